import { join } from 'node:path';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Logger } from 'pino';
import type { BoothConfig } from '../config/schema.js';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Camera, Clock, CommittedRecord, Leds, RecordStore, Tablet } from '../core/ports.js';
import type { SessionPackage } from '../../protocol/session/schema.js';
import { loadOrCreateIdentity, identityPaths, type BoothIdentity } from '../crypto/identity.js';
import { FaceEngine } from '../face/engine.js';
import { createSignatureCapture, type SignatureCapture } from '../signature/index.js';
import { buildDemoPackage, demoCentralKey } from '../session/demo.js';
import { CentralKeys } from '../session/central-keys.js';
import type { CheckInput, CheckResult } from '../session/package-check.js';
import { SessionVault } from '../session/vault.js';
import type { ChannelTarget } from '../session/channel.js';
import { EngineFaceVerifier } from './face-verifier.js';
import { livenessSettingAudit } from './liveness-setting.js';
import { PdfSealer } from './sealer.js';
import { SealJournal } from './seal-journal.js';
import { heldOriginals } from './originals.js';
import { escrowKeyPath, loadEscrowKey } from '../documents/escrow-key.js';
import { VisitService } from './service.js';
import { CaptureSignaturePad } from './signature-pad.js';
import { StaffPinGuard } from './pin-guard.js';
import { storePaths } from '../store/layout.js';
import { channelTarget, SessionLifecycle, type DocumentFetcher } from './session-lifecycle.js';

/**
 * The visit feature as the composition root sees it: the session vault and its lifecycle, the
 * face engine behind the FaceVerifier port, signature capture behind the SignaturePad port, the
 * documents sealer and the visit service, started in that order and stopped in reverse.
 * Construction does no I/O.
 */
export interface VisitFeatureDeps {
  config: BoothConfig;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  camera: Camera;
  tablet: Tablet;
  leds: Leds;
  store: RecordStore;
  /** Earlier records, to restore the one-signature memory after a restart (the journal store's read()). */
  history?: () => Promise<CommittedRecord[]>;
  fixturesDir: string;
  /** Where packages are checked (default: a worker thread; tests may check in-thread). */
  checkPackage?: (input: CheckInput) => Promise<CheckResult>;
}

/** A camera or tablet simulator with the controls the demo and the tests use. */
interface SimCamera extends Camera {
  play(source: string): Promise<void>;
}
interface SimTablet extends Tablet {
  replay(): Promise<void>;
}
const isSimCamera = (c: Camera): c is SimCamera => c.info.kind === 'sim' && 'play' in c;
const isSimTablet = (t: Tablet): t is SimTablet => t.info.kind === 'sim' && 'replay' in t;

const EXPIRY_CHECK_MS = 30_000;

export class VisitFeature {
  vault: SessionVault | null = null;
  lifecycle: SessionLifecycle | null = null;
  service: VisitService | null = null;
  identity: BoothIdentity | null = null;
  keys: CentralKeys | null = null;
  private engine: FaceEngine | null = null;
  private capture: SignatureCapture | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  seals: SealJournal | null = null;

  constructor(private readonly deps: VisitFeatureDeps) {}

  get simulation(): { camera: SimCamera | null; tablet: SimTablet | null } {
    return {
      camera: isSimCamera(this.deps.camera) ? this.deps.camera : null,
      tablet: isSimTablet(this.deps.tablet) ? this.deps.tablet : null,
    };
  }

  async start(): Promise<void> {
    const { config, logger, bus, clock } = this.deps;
    const identity = await loadOrCreateIdentity(config.dataDir, config.booth.id);
    this.identity = identity;
    const boothPrivateKey = createPrivateKey(identity.privateKeyPem);
    const boothPublicKey = createPublicKey(boothPrivateKey);
    const keys = this.centralKeys();
    this.keys = keys;
    if (!(await keys.load()))
      // The booth still starts (readiness, doctor, provisioning); every package is refused until one is pinned.
      logger.error({ path: keys.paths.session }, 'no central server key pinned: session packages will be refused');
    const vault = new SessionVault({
      dir: join(config.dataDir, 'session'),
      boothId: config.booth.id,
      boothPrivateKey,
      boothPrivateKeyPem: identity.privateKeyPem,
      boothPublicKey,
      boothPublicKeyPem: boothPublicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keys,
      clock,
      audit: async (payload) => {
        await this.deps.store.commit({ kind: 'audit', payload: { boothId: config.booth.id, ...payload } });
      },
      recordable: () => this.deps.store.assertAcceptingCommits(),
      ...(this.deps.checkPackage ? { check: this.deps.checkPackage } : {}),
    });
    this.vault = vault;
    const lifecycle = new SessionLifecycle({
      vault,
      store: this.deps.store,
      service: () => this.service,
      bus,
      logger,
      clock,
      boothId: config.booth.id,
    });
    this.lifecycle = lifecycle;
    const history = (await this.deps.history?.()) ?? [];
    const loaded = await vault.load(SessionLifecycle.floor(history));
    for (const problem of loaded.problems) logger.warn({ problem }, 'session packages at start');
    if (vault.held.length === 0 && keys.isFallback) await this.installDemo();

    this.engine = new FaceEngine({ settings: config.face, bus });
    let face: EngineFaceVerifier | null = null;
    try {
      await this.engine.start();
      face = new EngineFaceVerifier(this.engine, (m, d) => logger.warn(d, m));
    } catch (err) {
      const e = toBoothError(err);
      logger.error({ code: e.code }, `face engine unavailable, only the staff-witnessed path works: ${e.message}`);
      this.engine = null;
    }
    this.capture = createSignatureCapture({
      tablet: this.deps.tablet,
      config,
      clock,
      bus,
      warn: (m) => logger.warn(m),
    });
    await this.capture.start().catch((err: unknown) => logger.warn({ err }, 'signature tablet not ready'));
    const sim = this.simulation.tablet;
    const pad = new CaptureSignaturePad(this.capture, config.signature, () => {
      if (sim) void sim.replay().catch(() => undefined); // the simulated expert signs
    });
    const newId = monotonicFactory();
    const staffPins = new StaffPinGuard({
      path: join(storePaths(config.dataDir).state, 'staff-pins.json'),
      clock,
      audit: async (payload) => {
        await this.deps.store.commit({ kind: 'audit', payload: { boothId: config.booth.id, ...payload } });
      },
    });
    const pinProblem = await staffPins.start();
    if (pinProblem) logger.error({ problem: pinProblem }, 'staff PIN counters');
    const seals = new SealJournal({ store: this.deps.store, boothId: config.booth.id, clock, bus, log: logger });
    this.seals = seals;
    this.service = new VisitService({
      settings: config.visit,
      clock,
      bus,
      store: this.deps.store,
      vault,
      face,
      pad,
      sealer: new PdfSealer({
        signer: async () => ({ keyPem: identity.privateKeyPem, certPem: identity.certificatePem }),
        options: config.documents,
        escrowKey: () => loadEscrowKey(escrowKeyPath(config.dataDir, config.documents.escrowKey)),
      }),
      seals,
      // The published PDFs the vault holds (inline ones written at install, url ones fetched).
      originals: heldOriginals((sha256) => vault.documents.path(sha256)),
      camera: this.deps.camera,
      leds: this.deps.leds,
      boothId: config.booth.id,
      staffPins,
      newId: () => newId(clock.now()),
      log: logger,
    });
    // Seals a crash interrupted are finished or orphaned before the one-signature memory is
    // restored (a finished one counts through seals.onRecovered). A faulted store refuses the
    // commits this needs: the booth still starts (readable, no new visits) and the intents are
    // resolved at a later start.
    await seals
      .recover(history)
      .catch((err: unknown) =>
        logger.error({ code: toBoothError(err).code }, `interrupted seals not resolved: ${toBoothError(err).message}`),
      );
    lifecycle.restore(history);
    await this.service.start();
    await this.recordLivenessSetting(history);
    // Packages whose expiry passed while the booth was off: closed now, their no-shows recorded.
    // A store refusing records (disk critical, fault) leaves both for later: the booth still
    // comes up, read-only (readyz says why, visits and installs refused), instead of failing.
    const readOnly = (what: string) => (err: unknown) => {
      const e = toBoothError(err);
      logger.error({ code: e.code }, `${what}: ${e.message}`);
      return 0;
    };
    const expired = await lifecycle.closeExpired().catch(readOnly('expired sessions not closed'));
    if (expired) logger.info({ closed: expired }, 'sessions that expired while the booth was off are closed');
    if (face) await this.enrolWhenOpen().catch(readOnly('roster gallery not enrolled'));
    // At expiry a session closes by itself (no-shows recorded), unless staff closed it before.
    // A refusal (disk critical) is logged and tried again at the next tick, never an unhandled rejection.
    this.expiryTimer = setInterval(
      () => void this.closeIfExpired().catch(readOnly('expired sessions not closed')),
      EXPIRY_CHECK_MS,
    );
  }

  /** Journals a start with active liveness off (a hall setting an audit must see), or on again. */
  private async recordLivenessSetting(history: readonly CommittedRecord[]): Promise<void> {
    const { config, logger, store } = this.deps;
    const audit = livenessSettingAudit(config.visit.activeLiveness, history);
    if (!audit) return;
    if (!config.visit.activeLiveness) logger.warn(audit, 'active liveness is off (visit.activeLiveness)');
    await store
      .commit({ kind: 'audit', payload: { boothId: config.booth.id, ...audit } })
      .catch((err: unknown) =>
        logger.error({ code: toBoothError(err).code }, `liveness setting not journalled: ${toBoothError(err).message}`),
      );
  }

  /** Closes the sessions that have expired (the 30 s timer; tests call it with a manual clock). */
  async closeIfExpired(): Promise<void> {
    const n = await this.need(this.lifecycle).closeExpired();
    if (n) this.deps.logger.info({ closed: n }, 'sessions expired and closed');
  }

  async stop(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
    await this.service?.stop();
    await this.capture?.stop().catch(() => undefined);
    await this.engine?.stop();
    this.service = null;
  }

  /** The package channel's document fetcher (url documents); null when the booth is not enrolled. */
  attachFetcher(f: DocumentFetcher | null): void {
    this.need(this.lifecycle).attachFetcher(f);
  }

  /** What the package channel acts on (device/session/channel.ts). */
  channelTarget(): ChannelTarget {
    return channelTarget(this.need(this.vault), this.need(this.lifecycle), () => this.enrolWhenOpen());
  }

  /** Installs a package body received into `file` (consumed). Rejections change nothing. */
  async installFile(file: string): Promise<{ packageId: string; version: number }> {
    const r = await this.need(this.lifecycle).installFile(file);
    await this.enrolWhenOpen();
    return { packageId: r.pkg.packageId, version: r.pkg.version };
  }

  /** Installs a package given as a value (the demo, tests). */
  async install(pkg: SessionPackage): Promise<{ packageId: string; version: number }> {
    const r = await this.need(this.lifecycle).installPackage(pkg);
    await this.enrolWhenOpen();
    return { packageId: r.pkg.packageId, version: r.pkg.version };
  }

  async unlock(command: unknown): Promise<void> {
    await this.need(this.lifecycle).unlock(command);
    await this.enrolWhenOpen();
  }

  /** Staff close of the session in use: the no-shows, then everything opened is forgotten (409 during a visit). */
  async close(): Promise<number> {
    const n = await this.need(this.lifecycle).close();
    await this.enrolWhenOpen();
    return n;
  }

  /** Opens the matching data (audited) and enrols the gallery once the roster of the package in use may be opened. */
  async enrolWhenOpen(): Promise<number> {
    const vault = this.need(this.vault);
    const service = this.service;
    const pkg = vault.current;
    if (!service || !pkg || vault.unlockState(pkg).sealed) return 0; // begin() enrols later
    const enrolled = await service.enrolGallery(pkg);
    this.deps.logger.info({ enrolled }, 'roster gallery ready');
    return enrolled;
  }

  private async installDemo(): Promise<void> {
    const identity = this.need(this.identity);
    const pkg = await buildDemoPackage({
      fixturesDir: this.deps.fixturesDir,
      boothId: this.deps.config.booth.id,
      boothPublicKeyPem: identity.certificate.publicKeyPem,
      now: this.deps.clock.now(),
    });
    try {
      await this.need(this.lifecycle).installPackage(pkg);
      this.deps.logger.warn({ packageId: pkg.packageId }, 'demo session installed (simulation only)');
    } catch (err) {
      // Today's demo was held and closed before (a restart the same day): tomorrow brings a new one.
      this.deps.logger.warn({ code: toBoothError(err).code }, `demo session not installed: ${(err as Error).message}`);
    }
  }

  /**
   * The pinned central keys: the configured session key file, else <dataDir>/identity/central-session.pem;
   * with neither, in simulation with visit.session.demo = sim, the published demo key (not rotatable).
   */
  private centralKeys(): CentralKeys {
    const { config } = this.deps;
    const dir = identityPaths(config.dataDir).dir;
    const demo = config.visit.session.demo === 'sim' && this.simulation.camera && this.simulation.tablet;
    return new CentralKeys(
      {
        session: config.visit.session.centralKey || join(dir, 'central-session.pem'),
        escrow: join(dir, 'central-escrow.pem'),
      },
      async () => (demo ? (await demoCentralKey(this.deps.fixturesDir)).publicKeyPem : null),
    );
  }

  private need<T>(v: T | null): T {
    if (v === null) throw new BoothError('BOOTH_ERR_NOT_READY', 'the visit feature is not started');
    return v;
  }
}
