import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { BoothConfig } from './config/schema.js';
import type { Clock } from './core/ports.js';
import type { DeviceName, DeviceState } from './core/events.js';
import { EventBus } from './core/events.js';
import { toBoothError } from '../protocol/errors.js';
import { buildApp } from './http/app.js';
import { hostPaths } from './paths.js';
import { selectHardware, type Hardware } from './hardware/select.js';
import { systemClock } from './hardware/system-clock.js';
import { DataDir } from './store/data-dir.js';
import { SyncService } from './sync/sync-service.js';
import { loadSyncTls } from './sync/tls.js';
import { loadOrCreateIdentity } from './crypto/identity.js';
import { PackageChannel } from './session/channel.js';
import { verifyModels, type ModelCheck } from '../provisioning/models.mjs';
import { BOOTH_VERSION } from './version.js';
import { JournalRecordStore } from './store/index.js';
import { VisitFeature } from './visit/feature.js';
import { kioskRoutes } from './http/kiosk-routes.js';
import { Tuning, journalTo } from './tuning/tuning.js';
import { SystemdNotifier } from './systemd/notify.js';
import { START_PHASES, type StartPhase } from './systemd/start-phases.js';

export interface BoothDeps {
  config: BoothConfig;
  logger: Logger;
  clock?: Clock;
}

/**
 * The composition root: config -> adapters -> services -> server. Features are started in
 * order and stopped in reverse; constructing the Booth does no I/O.
 */
export class Booth {
  readonly bus = new EventBus();
  readonly clock: Clock;
  readonly dataDir: DataDir;
  hardware: Hardware | null = null;
  app: FastifyInstance | null = null;
  /** Sync of the store's outbox (push + pull API); null when it could not start. */
  sync: SyncService | null = null;
  /** The journal (RecordStore) and the visit feature (session, kiosk workflow). */
  store: JournalRecordStore | null = null;
  visit: VisitFeature | null = null;
  /** The package channel to the central server; null when it could not start. */
  channel: PackageChannel | null = null;
  private models: ModelCheck[] = [];
  private readonly deviceStates = new Map<DeviceName, { state: DeviceState; detail: string }>();
  /** Last 'face.state' of the face engine (started by the visit feature); null until it reports. */
  private faceState: { state: string; detail: string } | null = null;
  private stopping: Promise<void> | null = null;
  /** Live tunables (read per call by the face engine and visit workflow) and Node-RED. */
  readonly tuning: Tuning;
  private readonly notifier: SystemdNotifier;
  private tuningStarting: Promise<void> | null = null;

  constructor(private readonly deps: BoothDeps) {
    this.clock = deps.clock ?? systemClock;
    this.dataDir = new DataDir(deps.config.dataDir);
    this.tuning = new Tuning({
      config: deps.config,
      bus: this.bus,
      clock: this.clock,
      logger: deps.logger,
      leds: () => this.hardware?.leds ?? null,
      // Every tuning change is an audit record in the journal before it applies (issue 15).
      journal: journalTo(() => this.store, deps.config.booth.id),
    });
    this.notifier = new SystemdNotifier({ warn: (m) => deps.logger.warn(m) });
  }

  get config(): BoothConfig {
    return this.deps.config;
  }

  get log(): Logger {
    return this.deps.logger;
  }

  /** Starts everything and listens; resolves with the address the kiosk API is on. */
  async start(): Promise<string> {
    const { config, logger } = this.deps;
    this.bus.on('booth', 'listener.error', (e) => logger.warn(e, 'event listener failed'));
    this.bus.on('booth', 'hardware.state', (e) => {
      this.deviceStates.set(e.device, { state: e.state, detail: e.detail ?? e.adapter });
      logger.info(e, `${e.device}: ${e.state}`);
    });
    this.bus.on('booth', 'face.state', (e) => {
      this.faceState = e;
      logger.info(e, `face engine: ${e.state}`);
    });
    // Store and sync problems reach the log and the LEDs (the kiosk reads them from /readyz).
    this.bus.on('booth', 'store.fault', (e) => logger.error(e, `store: ${e.message}`));
    this.bus.on('booth', 'store.disk', (e) => {
      logger.warn(e, `disk space ${e.state}: ${e.freeBytes} bytes free`);
      if (e.state !== 'ok') this.hardware?.leds.setPattern('fault');
    });
    this.bus.on('booth', 'sync.alert', (e) => {
      if (!e.active) return;
      logger.warn(e, `record ${e.oldestSeq} has waited ${Math.round(e.ageMs / 60_000)} min for the central server`);
      this.hardware?.leds.setPattern('offline');
    });

    await this.phase('data-dir', () => this.dataDir.open());
    // Node-RED loads (1.5-3 s, mostly module loading) while models, hardware and the app start.
    this.tuningStarting = this.startTuning();
    this.models = await this.phase('models', () =>
      verifyModels(hostPaths().modelsDir).catch((err: unknown) => {
        logger.error({ err }, 'models manifest unreadable');
        return [];
      }),
    );
    for (const m of this.models.filter((c) => !c.ok))
      logger.error({ model: m.name, reason: m.reason }, 'model failed verification');

    const hardware = await this.phase('hardware', async () => {
      const hw = await selectHardware(config, this.clock, (m) => logger.warn(m));
      this.hardware = hw;
      for (const choice of hw.choices) logger.info(choice, `${choice.device}: ${choice.chosen} (${choice.reason})`);
      await this.startDevices(hw);
      return hw;
    });

    const store = new JournalRecordStore({
      dataDir: config.dataDir,
      boothId: config.booth.id,
      config: config.store,
      clock: this.clock,
      bus: this.bus,
    });
    await this.phase('store', () => store.start());
    this.store = store;
    await this.phase('sync', () => this.startSync(store));
    const fixturesDir = hostPaths().fixturesDir;
    const visit = new VisitFeature({
      // The face engine keeps config.face and reads it per frame: a live view shows each tune.
      config: { ...config, face: this.tuning.tunables.live.face },
      clock: this.clock,
      bus: this.bus,
      logger,
      camera: hardware.camera,
      tablet: hardware.tablet,
      leds: hardware.leds,
      store,
      history: () => store.read(0, Number.MAX_SAFE_INTEGER),
      fixturesDir,
    });
    await this.phase('visit', () => visit.start());
    this.visit = visit;
    await this.phase('channel', () => this.startChannel(visit));

    const address = await this.phase('http', async () => {
      this.app = await buildApp({
        logger,
        readiness: this,
        uiDir: hostPaths().uiDir,
        allowedHosts: config.http.allowedHosts,
        plugins: [
          (app) =>
            kioskRoutes(app, { feature: visit, fixturesDir, maxPackageBytes: config.sync.channel.maxPackageBytes }),
        ],
      });
      return this.app.listen({ host: config.http.host, port: config.http.port });
    });
    hardware.leds.setPattern('idle');
    await this.phase('tuning', () => this.tuningStarting ?? Promise.resolve());
    await this.notifier.ready(`booth ${this.config.booth.id} ready`);
    this.notifier.startWatchdog();
    this.bus.emit('booth.started', {
      version: BOOTH_VERSION,
      hardware: {
        camera: hardware.camera.info.adapter,
        tablet: hardware.tablet.info.adapter,
        leds: hardware.leds.info.adapter,
      },
    });
    return address;
  }

  /** One start phase: systemd's start timeout extended by its budget, its duration logged. */
  private async phase<T>(name: StartPhase, work: () => Promise<T>): Promise<T> {
    await this.notifier.startPhase(name, START_PHASES[name]);
    const began = performance.now();
    try {
      return await work();
    } finally {
      this.deps.logger.info({ phase: name, ms: Math.round(performance.now() - began) }, `start phase ${name} done`);
    }
  }

  /**
   * Tunables first (features read them per call), then Node-RED. A broken Node-RED leaves the
   * booth working with its saved tunables: it is logged, not fatal. READY=1 waits for it.
   */
  private async startTuning(): Promise<void> {
    try {
      await this.tuning.start();
    } catch (err) {
      this.log.error({ err }, 'tuning: Node-RED failed to start; the booth runs with its saved tunables');
    }
  }

  private async startDevices(hw: Hardware): Promise<void> {
    const report = (device: DeviceName, adapter: string, state: DeviceState, detail?: string) =>
      this.bus.emit('hardware.state', { device, adapter, state, ...(detail ? { detail } : {}) });
    for (const [name, dev] of [
      ['camera', hw.camera],
      ['leds', hw.leds],
    ] as const) {
      try {
        await dev.start();
        report(name, dev.info.adapter, 'ready', dev.info.description);
      } catch (err) {
        const e = toBoothError(err);
        report(name, dev.info.adapter, 'faulty', e.message);
        this.bus.emit('hardware.fault', { device: name, code: e.code, message: e.message });
      }
    }
    // A streaming camera reports its process: unplugged and failed show in /readyz and doctor.
    hw.camera.onState?.((state, detail) => {
      const mapped: DeviceState | null =
        state === 'streaming'
          ? 'ready'
          : state === 'unplugged'
            ? 'disconnected'
            : state === 'failed'
              ? 'faulty'
              : state === 'stopped'
                ? 'stopped'
                : null;
      if (mapped) report('camera', hw.camera.info.adapter, mapped, detail);
      if (state === 'unplugged' || state === 'failed')
        this.bus.emit('hardware.fault', {
          device: 'camera',
          code: state === 'unplugged' ? 'BOOTH_ERR_CAMERA_UNPLUGGED' : 'BOOTH_ERR_CAMERA_FAILED',
          message: detail ?? state,
        });
    });
    hw.tablet.onState((state, detail) =>
      report(
        'tablet',
        hw.tablet.info.adapter,
        state === 'open' ? 'ready' : state === 'closed' ? 'stopped' : 'disconnected',
        detail,
      ),
    );
    try {
      await hw.tablet.start();
    } catch (err) {
      const e = toBoothError(err);
      report('tablet', hw.tablet.info.adapter, 'faulty', e.message);
    }
  }

  /** Sync is best effort: a booth that cannot sync yet (not enrolled, port taken) still records. */
  private async startSync(store: JournalRecordStore): Promise<void> {
    const { config, logger } = this.deps;
    const sync = new SyncService({
      dataDir: config.dataDir,
      config: config.sync,
      store,
      clock: this.clock,
      bus: this.bus,
      logger,
    });
    try {
      await sync.start();
      this.sync = sync;
      logger.info(`sync: ${sync.status}`);
    } catch (err) {
      logger.error({ err }, 'sync: not started');
      await sync.stop().catch(() => undefined);
    }
  }

  /**
   * The package channel (booth-initiated, mutual TLS): best effort like sync; off until the booth
   * is enrolled and has a channel URL. Loopback installs use it for url documents.
   */
  private async startChannel(visit: VisitFeature): Promise<void> {
    const { config, logger } = this.deps;
    const channel = new PackageChannel({
      settings: config.sync.channel,
      tls: async () =>
        loadSyncTls(config.dataDir, await loadOrCreateIdentity(config.dataDir, config.booth.id), config.sync),
      target: visit.channelTarget(),
      bus: this.bus,
      clock: this.clock,
      logger,
      boothId: config.booth.id,
    });
    try {
      await channel.start();
      this.channel = channel;
      if (channel.on) visit.attachFetcher(channel.fetchDocuments);
      logger.info(`package channel: ${channel.status}`);
    } catch (err) {
      logger.error({ err }, 'package channel: not started');
      await channel.stop().catch(() => undefined);
    }
  }

  /** Ready when the journal is open and recovered without a fault and the disk has room. */
  private storeCheck(): { name: string; ok: boolean; detail: string } {
    const s = this.store;
    if (!this.dataDir.isOpen || !s?.isOpen)
      return { name: 'store', ok: false, detail: `${this.dataDir.path}: journal not open` };
    if (s.fault) return { name: 'store', ok: false, detail: `fault: ${s.fault}` };
    const torn = s.recovery?.tornBytes ?? 0;
    const disk = s.diskProblem();
    const detail = `${disk ? `${disk}; ` : ''}${s.lastSeq} records${torn ? ` (recovery cut ${torn} torn bytes)` : ''}; disk ${s.diskState}; sync ${this.sync?.status ?? 'off'}; package channel ${this.channel?.status ?? 'off'}`;
    return { name: 'store', ok: disk === null, detail };
  }

  async readiness(): Promise<{ ready: boolean; checks: { name: string; ok: boolean; detail: string }[] }> {
    const checks = [
      { name: 'config', ok: true, detail: 'valid' },
      {
        name: 'models',
        ok: this.models.length > 0 && this.models.every((m) => m.ok),
        detail:
          this.models.length === 0
            ? 'not verified'
            : this.models
                .filter((m) => !m.ok)
                .map((m) => `${m.name} ${m.reason}`)
                .join(', ') || `${this.models.length} verified`,
      },
      this.storeCheck(),
    ];
    checks.push({
      name: 'face',
      ok: this.faceState?.state === 'ready',
      detail: this.faceState ? `${this.faceState.state}: ${this.faceState.detail}` : 'not started',
    });
    for (const device of ['camera', 'tablet', 'leds'] as const) {
      const s = this.deviceStates.get(device);
      checks.push({ name: device, ok: s?.state === 'ready', detail: s ? `${s.state}: ${s.detail}` : 'not started' });
    }
    return { ready: checks.every((c) => c.ok), checks };
  }

  /** Graceful stop: in-flight requests finish, the serial port closes, LEDs go off. Idempotent. */
  stop(reason = 'stop'): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<void> {
    this.bus.emit('booth.stopping', { reason });
    await this.notifier.stopping();
    // A start that failed elsewhere may leave Node-RED still coming up: let it finish, then stop it.
    await this.tuningStarting;
    await this.tuning.stop().catch((err: unknown) => this.log.error({ err }, 'tuning: stop failed'));
    await this.app?.close();
    await this.channel?.stop().catch((err: unknown) => this.deps.logger.warn({ err }, 'package channel stop failed'));
    await this.visit?.stop().catch((err: unknown) => this.deps.logger.warn({ err }, 'visit stop failed'));
    await this.sync?.stop().catch((err: unknown) => this.deps.logger.warn({ err }, 'sync stop failed'));
    await this.store?.stop().catch((err: unknown) => this.deps.logger.warn({ err }, 'store stop failed'));
    const hw = this.hardware;
    if (hw) {
      await Promise.allSettled([hw.camera.stop(), hw.tablet.stop()]);
      await hw.leds.stop().catch(() => undefined);
    }
    await this.dataDir.close();
    this.bus.removeOwner('booth');
  }
}
