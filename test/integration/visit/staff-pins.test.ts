import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import type { CommittedRecord } from '../../../device/core/ports.js';
import { classify } from '../../../central/collect/payloads.js';
import { post, startHarness, type Harness } from './harness.js';

/**
 * Staff PINs over the kiosk API (issue 15): /witness, /override and /session/close each lock a
 * staff id after 5 wrong PINs (429 BOOTH_ERR_PIN_LOCKED, Retry-After), /witness/start does not
 * reset it, the booth locks after 10 over any ids, every failure and lockout is in the journal
 * as the central server accepts it, and the lockout survives a restart on the same data dir.
 */
let h: Harness;
const clock = new ManualClock(Date.now(), 0);
// The clock jumps past lockouts: screens wait longer than that.
const VISIT = { timeouts: { capture: 120_000, signing: 120_000, witness: 3_600_000, projects: 3_600_000 } };
beforeAll(async () => {
  h = await startHarness(VISIT, clock);
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

const BAD = { staffId: 'staff-01', pin: '000000' };
const GOOD = { staffId: 'staff-01', pin: '246810' };
const ID_NUMBER = '310104197008250625';

async function pinRecords(event: string, from = 0): Promise<CommittedRecord[]> {
  await h.feature.service?.settled();
  return (await h.store.read(from, 100_000)).filter((r) => r.payload.event === event);
}

async function expectLocked(path: string, body: unknown, retryAfter: string) {
  const res = await h.app.inject({ method: 'POST', url: path, payload: body as object });
  expect(res.statusCode, `${path} ${res.body}`).toBe(429);
  expect(res.json()).toMatchObject({ code: 'BOOTH_ERR_PIN_LOCKED', details: { retryAfterS: Number(retryAfter) } });
  expect(res.headers['retry-after']).toBe(retryAfter);
}

describe('staff PIN limit over the kiosk API', { timeout: 180_000 }, () => {
  it('/witness: 5 wrong PINs lock the staff id, and /witness/start does not reset it', async () => {
    const from = h.store.lastSeq;
    expect((await post(h.app, '/api/kiosk/begin')).status).toBe(200);
    expect((await post(h.app, '/api/kiosk/consent', { accepted: false, version: 'face-consent/1' })).json.screen).toBe(
      'witness',
    );
    const wrong = { ...BAD, idNumber: ID_NUMBER };
    for (let i = 0; i < 3; i++) expect((await post(h.app, '/api/kiosk/witness', wrong)).status).toBe(200);
    // The visit's own lockout (3 attempts): staff take over, which resets the visit's attempts only.
    expect((await post(h.app, '/api/kiosk/witness/start')).json.screen).toBe('witness');
    for (let i = 0; i < 2; i++) expect((await post(h.app, '/api/kiosk/witness', wrong)).status).toBe(200);
    await expectLocked('/api/kiosk/witness', { ...GOOD, idNumber: ID_NUMBER }, '60');
    const failed = await pinRecords('staff.pin.failed', from);
    expect(failed.map((r) => [r.payload.route, r.payload.failures])).toEqual([
      ['witness', 1],
      ['witness', 2],
      ['witness', 3],
      ['witness', 4],
      ['witness', 5],
    ]);
    const locked = await pinRecords('staff.pin.locked', from);
    expect(locked.map((r) => r.payload)).toEqual([
      expect.objectContaining({ scope: 'staff', staffId: 'staff-01', route: 'witness', failures: 5, lockMs: 60_000 }),
    ]);
    for (const r of [...failed, ...locked]) expect(classify(r, h.config.booth.id).type).toBe('audit');
    // After the lockout the right PIN works and ends the run of failures.
    clock.advance(60_000);
    const ok = await post(h.app, '/api/kiosk/witness', { ...GOOD, idNumber: ID_NUMBER });
    expect(ok.json).toMatchObject({ screen: 'projects', method: 'staff-witness' });
  });

  it('/override: 5 wrong PINs lock the staff id; the lockout grows only with further failures', async () => {
    const from = h.store.lastSeq;
    for (let i = 0; i < 5; i++)
      expect((await post(h.app, '/api/kiosk/override', { ...BAD, projectId: 'P-2026-001' })).status).toBe(401);
    await expectLocked('/api/kiosk/override', { ...GOOD, projectId: 'P-2026-001' }, '60');
    clock.advance(60_000);
    expect((await post(h.app, '/api/kiosk/override', { ...BAD, projectId: 'P-2026-001' })).status).toBe(401);
    await expectLocked('/api/kiosk/override', { ...GOOD, projectId: 'P-2026-001' }, '120');
    expect((await pinRecords('staff.pin.failed', from)).map((r) => r.payload.route)).toEqual(Array(6).fill('override'));
    expect((await pinRecords('staff.pin.locked', from)).map((r) => r.payload.lockMs)).toEqual([60_000, 120_000]);
    clock.advance(120_000);
    expect((await post(h.app, '/api/kiosk/override', { ...GOOD, projectId: 'P-2026-001' })).status).toBe(200);
    expect((await post(h.app, '/api/kiosk/cancel')).json.screen).toBe('idle');
  });

  it('/session/close: 5 wrong PINs lock the staff id, then 5 more under other ids lock the booth', async () => {
    const from = h.store.lastSeq;
    for (let i = 0; i < 5; i++) expect((await post(h.app, '/api/kiosk/session/close', BAD)).status).toBe(401);
    await expectLocked('/api/kiosk/session/close', GOOD, '60');
    // Another id is still checked until the booth as a whole reaches 10.
    for (let i = 0; i < 5; i++)
      expect((await post(h.app, '/api/kiosk/session/close', { staffId: `guess-${i}`, pin: '1234' })).status).toBe(401);
    await expectLocked('/api/kiosk/session/close', { staffId: 'staff-02', pin: '1234' }, '60');
    const locked = await pinRecords('staff.pin.locked', from);
    expect(locked.map((r) => [r.payload.scope, r.payload.route])).toEqual([
      ['staff', 'session-close'],
      ['booth', 'session-close'],
    ]);
    expect(h.feature.vault?.current).not.toBeNull();
  });

  it('the lockout survives a restart: a new service on the same data dir refuses the right PIN', async () => {
    const dataDir = h.config.dataDir;
    expect(existsSync(join(dataDir, 'state', 'staff-pins.json'))).toBe(true);
    await h.stop();
    h = await startHarness(VISIT, clock, { dataDir });
    await expectLocked('/api/kiosk/session/close', GOOD, '60');
    clock.advance(60_000);
    expect((await post(h.app, '/api/kiosk/session/close', GOOD)).status).toBe(200);
  });
});
