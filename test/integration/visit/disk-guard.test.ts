import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildDemoPackage } from '../../../device/session/demo.js';
import { Booth } from '../../../device/main.js';
import { fixturesDir, post, startHarness, state, type Harness } from './harness.js';

/**
 * The disk guard as docs/store-sync.md describes it (issue 15), with small thresholds and an
 * injected free-space probe: a low or critical disk refuses new visits with a reason, /readyz
 * says why, a critical disk refuses an install without touching the package in use or leaving
 * a temporary file, and a booth that starts on a critical disk comes up read-only.
 */
const DISK = { store: { disk: { lowFreeBytes: 5_000_000, criticalFreeBytes: 1_000_000, checkIntervalMs: 3_600_000 } } };
const OK = 50_000_000;
const LOW = 3_000_000;
const CRITICAL = 500_000;

let h: Harness;
let free = OK;
beforeAll(async () => {
  h = await startHarness({}, undefined, DISK, async () => free);
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

async function setFree(bytes: number): Promise<void> {
  free = bytes;
  await h.store.checkDisk();
}

async function files(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

async function readiness(harness: Harness) {
  const booth = new Booth({ config: harness.config, logger: pino({ level: 'silent' }) });
  await booth.dataDir.open();
  booth.store = harness.store;
  try {
    return (await booth.readiness()).checks.find((c) => c.name === 'store');
  } finally {
    await booth.dataDir.close();
  }
}

describe('disk guard', { timeout: 180_000 }, () => {
  it('low and critical: /begin is refused with BOOTH_ERR_STORE_FULL and /readyz says why; ok again when space returns', async () => {
    for (const [bytes, level] of [
      [LOW, 'disk low'],
      [CRITICAL, 'disk critical'],
    ] as const) {
      await setFree(bytes);
      const begin = await post(h.app, '/api/kiosk/begin');
      expect(begin, level).toMatchObject({
        status: 507,
        json: { code: 'BOOTH_ERR_STORE_FULL', messageKey: 'error.store.full' },
      });
      expect((await state(h.app)).screen).toBe('idle');
      const check = await readiness(h);
      expect(check?.ok).toBe(false);
      expect(check?.detail).toContain(`${level}: ${bytes} bytes free`);
    }
    await setFree(OK);
    expect(await readiness(h)).toMatchObject({ ok: true });
    expect((await post(h.app, '/api/kiosk/begin')).status).toBe(200);
    expect((await post(h.app, '/api/kiosk/cancel')).json.screen).toBe('idle');
  });

  it('critical: an install is refused, nothing held changes, no temporary file; it installs, recorded, once space returns', async () => {
    const sessionDir = join(h.config.dataDir, 'session');
    const held = h.feature.vault!.current!;
    const before = await files(join(sessionDir, 'packages'));
    // Tomorrow's package: a new package id, so nothing is replaced (no no-show records to refuse first).
    const next = await buildDemoPackage({
      fixturesDir,
      boothId: h.config.booth.id,
      boothPublicKeyPem: h.feature.identity!.certificate.publicKeyPem,
      now: Date.now() + 86_400_000,
    });
    expect(next.packageId).not.toBe(held.packageId);
    await setFree(CRITICAL);
    const refused = await post(h.app, '/api/kiosk/session', next);
    expect(refused).toMatchObject({ status: 507, json: { code: 'BOOTH_ERR_STORE_FULL' } });
    expect(h.feature.vault!.held.map((p) => p.packageId)).toEqual([held.packageId]);
    expect(await files(join(sessionDir, 'packages'))).toEqual(before);
    expect(await files(join(sessionDir, 'incoming'))).toEqual([]);
    expect((await files(h.config.dataDir)).filter((f) => /\.tmp$/.test(f))).toEqual([]);

    await setFree(OK);
    expect((await post(h.app, '/api/kiosk/session', next)).status).toBe(200);
    expect(h.feature.vault!.held.map((p) => p.packageId)).toContain(next.packageId);
    const installed = (await h.store.read(0, 100_000)).filter((r) => r.payload.event === 'session.installed');
    expect(installed.map((r) => r.payload.packageId)).toContain(next.packageId);
  });

  it('a start on a critical disk comes up read-only: visits and installs refused, readyz says why', async () => {
    const dataDir = h.config.dataDir;
    await h.stop();
    free = CRITICAL;
    h = await startHarness({}, undefined, { ...DISK, dataDir }, async () => free);
    expect(h.store.diskState).toBe('critical');
    expect(await post(h.app, '/api/kiosk/begin')).toMatchObject({
      status: 507,
      json: { code: 'BOOTH_ERR_STORE_FULL' },
    });
    expect((await readiness(h))?.detail).toMatch(
      /^disk critical: 500000 bytes free, below store.disk.criticalFreeBytes 1000000: read-only/,
    );
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/session' })).json()).toMatchObject({
      installed: true,
    });
  });
});
