import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ManualClock } from '../../../device/core/clock.js';
import type { CommittedRecord } from '../../../device/core/ports.js';
import { buildDemoPackage, demoCentralKey } from '../../../device/session/demo.js';
import { signPackage } from '../../../protocol/session/build.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { fixturesDir, post, startHarness, state, type Harness } from './harness.js';

/**
 * The session lifecycle through the booth's own composition (visit feature, journal, kiosk
 * routes), on the staff-witnessed path (the face engine is left out: these tests are about
 * sessions, not faces). Each test names the defect of issue 13 it pins down.
 */
const NO_FACE = { face: { runtime: { modelsDir: '/nonexistent-models' } } };
const STAFF = { staffId: 'staff-01', pin: '246810' };
const EXPERT_B = '310104197008250625';
let h: Harness | null = null;

afterEach(async () => {
  await h?.stop();
  h = null;
});
afterAll(async () => {
  await h?.stop();
});

async function records(x: Harness): Promise<CommittedRecord[]> {
  await x.feature.service?.settled();
  return x.store.read(0, 100_000);
}

const noShows = (rs: CommittedRecord[]) => rs.filter((r) => r.payload.type === 'no-show').map((r) => r.payload);

function demo(x: Harness, o: { version: number; now?: number; unlockAt?: number }): Promise<SessionPackage> {
  return buildDemoPackage({
    fixturesDir,
    boothId: x.config.booth.id,
    boothPublicKeyPem: x.feature.identity!.certificate.publicKeyPem,
    now: o.now ?? Date.now(),
    version: o.version,
    ...(o.unlockAt ? { unlockAt: o.unlockAt } : {}),
  });
}

describe('session lifecycle at the booth', { timeout: 120_000 }, () => {
  it('close during a visit answers 409 and never leaves a no-show beside the sign record', async () => {
    h = await startHarness({}, undefined, NO_FACE);
    const app = h.app;
    await post(app, '/api/kiosk/begin');
    expect((await post(app, '/api/kiosk/consent', { accepted: false, version: 'face-consent/1' })).json.screen).toBe(
      'witness',
    );
    expect((await post(app, '/api/kiosk/witness', { ...STAFF, idNumber: EXPERT_B })).json.screen).toBe('projects');
    await post(app, '/api/kiosk/project', { projectId: 'P-2026-001' });
    expect((await post(app, '/api/kiosk/action', { action: 'refuse', reason: '' })).json.screen).toBe('confirm');
    // Staff close while the expert is about to confirm, and again while the record is being made.
    expect(await post(app, '/api/kiosk/session/close', STAFF)).toMatchObject({
      status: 409,
      json: { code: 'BOOTH_ERR_VISIT_STATE' },
    });
    const [confirmed, closing] = await Promise.all([
      post(app, '/api/kiosk/confirm'),
      post(app, '/api/kiosk/session/close', STAFF),
    ]);
    expect(confirmed.status).toBe(200);
    expect(closing).toMatchObject({ status: 409, json: { code: 'BOOTH_ERR_VISIT_STATE' } });
    await h.feature.service?.settled();
    expect((await state(app)).screen).toBe('receipt');
    await post(app, '/api/kiosk/finish');
    await h.feature.service?.settled();
    // Idle now: the close goes through, after the sign record, and skips the expert who finished.
    const closed = await post(app, '/api/kiosk/session/close', STAFF);
    expect(closed).toMatchObject({ status: 200, json: { noShows: 3 } });
    const all = await records(h);
    const sign = all.findIndex((r) => r.kind === 'sign');
    const close = all.findIndex((r) => r.payload.event === 'session.closed');
    expect(all[sign]?.payload).toMatchObject({ expertId: 'EXP-1002', projectId: 'P-2026-001', action: 'refuse' });
    expect(sign).toBeLessThan(close);
    expect(
      noShows(all)
        .map((p) => `${String(p.expertId)}/${String(p.projectId)}`)
        .sort(),
    ).toEqual(['EXP-1001/P-2026-001', 'EXP-1001/P-2026-002', 'EXP-1003/P-2026-002']);
    expect(noShows(all).every((p) => p.packageVersion === 1 && p.cause === 'close')).toBe(true);
    expect(all.slice(close).some((r) => r.kind === 'sign')).toBe(false);
  });

  it('12 concurrent loopback installs: no 500, memory equals disk, the newest version wins after a restart', async () => {
    h = await startHarness({}, undefined, NO_FACE);
    const dataDir = h.config.dataDir;
    const later = Date.now() + 3 * 3600_000; // sealed: nobody could visit, so replacements write no no-shows
    // One package re-signed as 12 versions (what the central server would publish in a busy evening).
    const base = await demo(h, { version: 2, unlockAt: later });
    const { privateKeyPem } = await demoCentralKey(fixturesDir);
    const packages = Array.from({ length: 12 }, (_, i) => {
      const { signature: _s, ...unsigned } = structuredClone(base);
      return signPackage({ ...unsigned, version: i + 2 }, privateKeyPem);
    });
    const shuffled = packages.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      shuffled.map((p) =>
        h!.app.inject({
          method: 'POST',
          url: '/api/kiosk/session',
          payload: JSON.stringify(p),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    for (const a of answers) expect([200, 422], a.body).toContain(a.statusCode);
    for (const a of answers.filter((x) => x.statusCode === 422))
      expect(a.json()).toMatchObject({ details: { reason: 'stale' } });
    const summary = (await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json<Record<string, unknown>>();
    expect(summary).toMatchObject({ version: 13, sealed: true });
    const id = String(summary.packageId);
    const onDisk = JSON.parse(
      await readFile(join(dataDir, 'session', 'packages', id, 'package.json'), 'utf8'),
    ) as SessionPackage;
    expect(onDisk.version).toBe(13);
    await h.stop();
    h = await startHarness({}, undefined, { ...NO_FACE, dataDir });
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json()).toMatchObject({ version: 13 });
    // Every older version stays refused after the restart.
    const r = await post(
      h.app,
      '/api/kiosk/session',
      packages.find((p) => p.version === 7),
    );
    expect(r).toMatchObject({ status: 422, json: { details: { reason: 'stale' } } });
  });

  it('no-shows on replacement by a newer version, and for a package that expired while the booth was off', async () => {
    const clock = new ManualClock(Date.now(), 0);
    h = await startHarness({}, clock, NO_FACE);
    const dataDir = h.config.dataDir;
    const v2 = await demo(h, { version: 2, now: clock.now() });
    expect((await post(h.app, '/api/kiosk/session', v2)).status).toBe(200);
    const replaced = noShows(await records(h));
    expect(replaced).toHaveLength(4);
    expect(replaced.every((p) => p.cause === 'replaced' && p.packageVersion === 1)).toBe(true);
    await h.stop();
    clock.advance(25 * 3600_000); // the booth was off when v2 expired
    h = await startHarness({}, clock, { ...NO_FACE, dataDir });
    const expired = noShows(await records(h)).filter((p) => p.cause === 'expiry');
    expect(expired).toHaveLength(4);
    expect(expired.every((p) => p.packageVersion === 2)).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json()).toMatchObject({
      installed: false,
      held: [],
    });
  });

  it('answers 413 with a coded error above the size limit, by Content-Length or while streaming, on a real socket too', async () => {
    h = await startHarness({}, undefined, { ...NO_FACE, sync: { channel: { maxPackageBytes: 65_536 } } });
    const big = Buffer.alloc(100_000, 0x20);
    const declared = await h.app.inject({
      method: 'POST',
      url: '/api/kiosk/session',
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({
      code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE',
      messageKey: 'error.payload.tooLarge',
    });
    const streamed = await h.app.inject({
      method: 'POST',
      url: '/api/kiosk/session',
      payload: Readable.from([big.subarray(0, 50_000), big.subarray(50_000)]),
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json()).toMatchObject({ code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE' });
    // Any other kiosk route: fastify's own limit (1 MiB) maps to the same coded 413.
    const consent = await h.app.inject({
      method: 'POST',
      url: '/api/kiosk/consent',
      payload: `{"accepted":true,"version":"${'x'.repeat(1_100_000)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(consent.statusCode).toBe(413);
    expect(consent.json()).toMatchObject({ code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE' });
    // A real client sending chunks reads the 413 rather than a reset connection.
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${address}/api/kiosk/session`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(16_384, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 20) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', more);
        }
        req.end();
      };
      more();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE' });
  });
});
