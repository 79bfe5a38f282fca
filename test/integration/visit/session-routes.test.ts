import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryLeds } from '../../../device/hardware/leds/memory.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { buildDemoPackage } from '../../../device/session/demo.js';
import { fixturesDir, post, startHarness, until, type Harness } from './harness.js';
import { snapshot } from '../../unit/session/helpers.js';

/** Session packages over the kiosk API (technician / central push), and the LEDs of a visit. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('session routes', { timeout: 180_000 }, () => {
  it('a rejected package changes nothing: same summary, same file, a reason in the answer', async () => {
    const dir = join(h.config.dataDir, 'session');
    const held = h.feature.vault!.current!;
    const before = await snapshot(dir);
    const summary = (await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json<Record<string, unknown>>();
    const pkg = JSON.parse(
      await readFile(join(dir, 'packages', held.packageId, 'package.json'), 'utf8'),
    ) as SessionPackage;
    const rejected: [string, unknown][] = [
      ['tampered', { ...pkg, version: 2 }],
      ['malformed', { hello: 'world' }],
      ['stale', pkg],
    ];
    for (const [reason, body] of rejected) {
      const r = await post(h.app, '/api/kiosk/session', body);
      expect(r, reason).toMatchObject({
        status: 422,
        json: { code: 'BOOTH_ERR_SESSION_REJECTED', details: { reason } },
      });
    }
    expect(await snapshot(dir)).toEqual(before);
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json()).toEqual(summary);
  });

  it('a newer package for this booth replaces the old one; a sealed roster refuses visits until unlock', async () => {
    const identity = h.feature.identity!;
    const now = Date.now();
    const next = await buildDemoPackage({
      fixturesDir,
      boothId: h.config.booth.id,
      boothPublicKeyPem: identity.certificate.publicKeyPem,
      now,
      unlockAt: now + 3600_000,
      version: 5,
    });
    const r = await post(h.app, '/api/kiosk/session', next);
    expect(r).toMatchObject({ status: 200, json: { installed: true, version: 5, sealed: true } });
    const begin = await post(h.app, '/api/kiosk/begin');
    expect(begin).toMatchObject({ status: 409, json: { code: 'BOOTH_ERR_SESSION_SEALED' } });
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/state' })).json()).toMatchObject({ screen: 'idle' });
  });

  it('the LEDs follow the visit: busy while verifying, success when verified, failure when rejected, idle after', async () => {
    const older = await buildDemoPackage({
      fixturesDir,
      boothId: h.config.booth.id,
      boothPublicKeyPem: h.feature.identity!.certificate.publicKeyPem,
      now: Date.now(),
      version: 6,
    });
    expect((await post(h.app, '/api/kiosk/session', older)).json).toMatchObject({ sealed: false });
    const leds = h.hardware.leds as MemoryLeds;
    expect(leds).toBeInstanceOf(MemoryLeds);
    const from = leds.history.length;
    await post(h.app, '/api/kiosk/sim/camera', { source: 'stranger' });
    await post(h.app, '/api/kiosk/begin');
    await post(h.app, '/api/kiosk/consent', { accepted: true, version: 'face-consent/1' });
    await until(h.app, (v) => v.screen === 'rejected', 'rejection');
    await post(h.app, '/api/kiosk/sim/camera', { source: 'expert' });
    await post(h.app, '/api/kiosk/retry');
    await until(h.app, (v) => v.screen === 'projects', 'verification');
    await post(h.app, '/api/kiosk/cancel');
    expect(leds.history.slice(from)).toEqual(['busy', 'failure', 'busy', 'success', 'idle']);
  });
});
