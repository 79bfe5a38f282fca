import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../../device/config/load.js';
import type { BoothConfig } from '../../../device/config/schema.js';
import { EventBus } from '../../../device/core/events.js';
import type { Clock } from '../../../device/core/ports.js';
import { selectHardware, type Hardware } from '../../../device/hardware/select.js';
import { systemClock } from '../../../device/hardware/system-clock.js';
import { buildApp } from '../../../device/http/app.js';
import { kioskRoutes } from '../../../device/http/kiosk-routes.js';
import { JournalRecordStore } from '../../../device/store/index.js';
import { VisitFeature } from '../../../device/visit/feature.js';
import type { KioskView } from '../../../device/core/visit/view.js';

/**
 * The visit feature as the booth composes it, in simulation, without the rest of the booth
 * (Node-RED, systemd): real face engine, real signature capture over the replaying tablet,
 * real documents sealer, real journal store, the kiosk routes on a fastify app.
 */
export interface Harness {
  config: BoothConfig;
  hardware: Hardware;
  store: JournalRecordStore;
  feature: VisitFeature;
  app: FastifyInstance;
  bus: EventBus;
  logLines: string[];
  stop(): Promise<void>;
}

export const fixturesDir = resolve('test/fixtures');

export async function startHarness(
  overrides: Record<string, unknown> = {},
  clock: Clock = systemClock,
  sections: Record<string, unknown> = {},
  /** Free bytes on the data medium as the store's disk guard sees them (default statfs). */
  freeBytes?: (path: string) => Promise<number>,
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'visit-'));
  const config = parseConfig({
    booth: { id: 'booth-it' },
    dataDir,
    hardware: { camera: { mode: 'sim' }, tablet: { mode: 'sim' }, leds: { mode: 'sim' } },
    // Long screen timeouts: the suite shares 2 cores, and no test is about a timeout here.
    // The simulated camera shows still photos, which cannot blink: the challenge is off unless a test asks.
    visit: {
      frameIntervalMs: 50,
      timeouts: { capture: 120_000, signing: 120_000 },
      activeLiveness: false,
      ...overrides,
    },
    ...sections,
  });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const bus = new EventBus();
  const hardware = await selectHardware(config, clock, () => undefined);
  await hardware.camera.start();
  await hardware.leds.start();
  const store = new JournalRecordStore({
    dataDir: config.dataDir,
    boothId: config.booth.id,
    config: config.store,
    clock,
    bus,
    clockSynced: () => true,
    ...(freeBytes ? { freeBytes } : {}),
  });
  await store.start();
  const feature = new VisitFeature({
    config,
    clock,
    bus,
    logger,
    camera: hardware.camera,
    tablet: hardware.tablet,
    leds: hardware.leds,
    store,
    history: () => store.read(0, Number.MAX_SAFE_INTEGER),
    fixturesDir,
  });
  await feature.start();
  const app = await buildApp({
    logger,
    readiness: { readiness: async () => ({ ready: true, checks: [] }) },
    uiDir: resolve('device/ui'),
    plugins: [(a) => kioskRoutes(a, { feature, fixturesDir, maxPackageBytes: config.sync.channel.maxPackageBytes })],
  });
  await app.ready();
  return {
    config,
    hardware,
    store,
    feature,
    app,
    bus,
    logLines,
    async stop() {
      await app.close();
      await feature.stop();
      await store.stop();
      await hardware.camera.stop();
      await hardware.leds.stop();
    },
  };
}

export async function post(
  app: FastifyInstance,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'POST',
    url: path,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

export async function state(app: FastifyInstance): Promise<KioskView> {
  return JSON.parse((await app.inject({ method: 'GET', url: '/api/kiosk/state' })).body) as KioskView;
}

/** Polls the state until `pred` holds (the camera loop and sealing run on their own). */
export async function until(
  app: FastifyInstance,
  pred: (v: KioskView) => boolean,
  what: string,
  tries = 1200,
): Promise<KioskView> {
  for (let i = 0; i < tries; i++) {
    const v = await state(app);
    if (pred(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never reached: ${what} (last ${JSON.stringify(await state(app))})`);
}
