import { join } from 'node:path';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Logger } from 'pino';
import type { BoothConfig } from '../config/schema.js';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Camera, Clock, CommittedRecord, Leds, RecordStore, Tablet } from '../core/ports.js';
import { loadOrCreateIdentity, identityPaths, type BoothIdentity } from '../crypto/identity.js';
import { readIfExists } from '../../protocol/crypto/key-files.js';
import { FaceEngine } from '../face/engine.js';
import { createSignatureCapture, type SignatureCapture } from '../signature/index.js';
import { buildDemoPackage, demoCentralKey } from '../session/demo.js';
import { publicKeyFrom } from '../../protocol/session/keys.js';
import { SessionVault } from '../session/vault.js';
import { EngineFaceVerifier } from './face-verifier.js';
import { PdfSealer } from './sealer.js';
import { SealJournal } from './seal-journal.js';
import { inlineOriginals } from './originals.js';
import { escrowKeyPath, loadEscrowKey } from '../documents/escrow-key.js';
import { VisitService } from './service.js';
import { CaptureSignaturePad } from './signature-pad.js';
import { closeSession } from './session-close.js';

/**
 * The visit feature as the composition root sees it: the session vault, the face engine behind
 * the FaceVerifier port, signature capture behind the SignaturePad port, the documents sealer
 * and the visit service, started in that order and stopped in reverse. Construction does no I/O.
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
  service: VisitService | null = null;
  identity: BoothIdentity | null = null;
  private engine: FaceEngine | null = null;
  private capture: SignatureCapture | null = null;
  private trustedDemo = false;
  /** Packages whose session close (no-show records) is done: never twice, also across restarts. */
  private readonly closed = new Set<string>();
  private expiryTimer: NodeJS.Timeout | null = null;
  private closing = false;
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
    const central = await this.centralKey();
    const vault = new SessionVault({
      dir: join(config.dataDir, 'session'),
      boothId: config.booth.id,
      boothPrivateKey,
      boothPublicKey: createPublicKey(boothPrivateKey),
      centralKey: central,
      clock,
      audit: async (payload) => {
        await this.deps.store.commit({ kind: 'audit', payload: { boothId: config.booth.id, ...payload } });
      },
    });
    this.vault = vault;
    const loaded = await vault.load();
    if (loaded.problem) logger.warn({ problem: loaded.problem }, 'installed session package no longer verifies');
    if (!vault.current && this.trustedDemo) await this.installDemo();

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
      // Inline documents; a url document's file comes with its installed package.
      originals: inlineOriginals,
      camera: this.deps.camera,
      leds: this.deps.leds,
      boothId: config.booth.id,
      newId: () => newId(clock.now()),
      log: logger,
    });
    // Working copies from the sign records, and seals a crash interrupted finished or orphaned,
    // before the one-signature memory is restored from the same records.
    // A faulted store refuses the commits this needs: the booth still starts (readable, no new
    // visits) and the intents are resolved at a later start.
    if (this.deps.history)
      await seals
        .recover(await this.deps.history())
        .catch((err: unknown) =>
          logger.error(
            { code: toBoothError(err).code },
            `interrupted seals not resolved: ${toBoothError(err).message}`,
          ),
        );
    await this.restoreLedger();
    await this.service.start();
    if (vault.current && face) await this.enrolWhenOpen();
    // At expiry the session closes by itself (no-shows recorded), unless staff closed it before.
    this.expiryTimer = setInterval(() => void this.closeIfExpired(), EXPIRY_CHECK_MS);
  }

  /** Closes the session once it has expired (the 30 s timer; tests call it with a manual clock). */
  async closeIfExpired(): Promise<void> {
    const pkg = this.vault?.current;
    if (!pkg || this.closed.has(pkg.packageId) || this.deps.clock.now() < Date.parse(pkg.expiresAt)) return;
    if (this.service?.machine.state.name !== 'idle') return; // let a visit in progress end first
    try {
      const n = await this.close();
      this.deps.logger.info({ packageId: pkg.packageId, noShows: n }, 'session expired and closed');
    } catch (err) {
      this.deps.logger.warn({ code: toBoothError(err).code }, 'session close at expiry failed');
    }
  }

  async stop(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
    await this.service?.stop();
    await this.capture?.stop().catch(() => undefined);
    await this.engine?.stop();
    this.service = null;
  }

  /** Installs a package from outside (the central server, a technician). Rejections change nothing. */
  async install(input: unknown): Promise<{ packageId: string; version: number }> {
    const vault = this.need(this.vault);
    const previous = vault.current?.packageId ?? null;
    try {
      const pkg = await vault.install(input);
      // The old gallery is gone with the old package; signatures count per package id.
      this.service?.sessionChanged(pkg.packageId === previous);
      this.deps.bus.emit('session.installed', { packageId: pkg.packageId, version: pkg.version });
      await this.enrolWhenOpen();
      return { packageId: pkg.packageId, version: pkg.version };
    } catch (err) {
      const e = toBoothError(err);
      if (e.code === 'BOOTH_ERR_SESSION_REJECTED')
        this.deps.bus.emit('session.rejected', { reason: String(e.details.reason), message: e.message });
      throw e;
    }
  }

  async unlock(command: unknown): Promise<void> {
    await this.need(this.vault).unlockByCommand(command);
    await this.enrolWhenOpen();
  }

  /** The no-show pass and forgetting of everything opened (staff action, or expiry). */
  async close(): Promise<number> {
    const service = this.need(this.service);
    const pkg = this.need(this.vault).current;
    if (!pkg) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session is installed');
    if (this.closed.has(pkg.packageId) || this.closing)
      throw new BoothError('BOOTH_ERR_CONFLICT', `session ${pkg.packageId} is already closed`);
    this.closing = true;
    try {
      const n = await this.closeNow(service);
      this.closed.add(pkg.packageId);
      return n;
    } finally {
      this.closing = false;
    }
  }

  private closeNow(service: VisitService): Promise<number> {
    return closeSession({
      vault: this.need(this.vault),
      store: this.deps.store,
      boothId: this.deps.config.booth.id,
      clock: this.deps.clock,
      signed: (expertId, projectId) => service.hasSigned(expertId, projectId),
      forgetFaces: () => this.engineVerifierForget(),
    });
  }

  /** Opens the matching data (audited) and enrols the gallery once the roster may be opened. */
  async enrolWhenOpen(): Promise<number> {
    const vault = this.need(this.vault);
    const service = this.service;
    if (!service || !vault.current || vault.unlockState().sealed) return 0; // start() enrols later
    const enrolled = await service.enrolGallery();
    this.deps.logger.info({ enrolled }, 'roster gallery ready');
    return enrolled;
  }

  private engineVerifierForget(): void {
    this.service?.forgetFaces();
  }

  private async restoreLedger(): Promise<void> {
    const service = this.need(this.service);
    const pkg = this.vault?.current;
    if (!pkg || !this.deps.history) return;
    for (const r of await this.deps.history()) {
      if (r.payload.packageId !== pkg.packageId) continue;
      if (r.kind === 'sign' && typeof r.payload.expertId === 'string')
        service.remember(r.payload.expertId, String(r.payload.projectId));
      if (r.kind === 'audit' && r.payload.event === 'session.closed') this.closed.add(pkg.packageId);
    }
  }

  private async installDemo(): Promise<void> {
    const identity = this.need(this.identity);
    const pkg = await buildDemoPackage({
      fixturesDir: this.deps.fixturesDir,
      boothId: this.deps.config.booth.id,
      boothPublicKeyPem: identity.certificate.publicKeyPem,
      now: this.deps.clock.now(),
    });
    await this.install(pkg);
    this.deps.logger.warn({ packageId: pkg.packageId }, 'demo session installed (simulation only)');
  }

  /**
   * The pinned central key: the configured file, else <dataDir>/identity/central-session.pem;
   * with neither, in simulation with visit.session.demo = sim, the published demo key; else none.
   */
  private async centralKey(): Promise<KeyObject | null> {
    const { config } = this.deps;
    const path = config.visit.session.centralKey || join(identityPaths(config.dataDir).dir, 'central-session.pem');
    const pem = await readIfExists(path);
    if (pem) return publicKeyFrom(pem);
    if (config.visit.session.demo === 'sim' && this.simulation.camera && this.simulation.tablet) {
      this.trustedDemo = true;
      return publicKeyFrom((await demoCentralKey(this.deps.fixturesDir)).publicKeyPem);
    }
    // The booth still starts (readiness, doctor, provisioning); every package is refused until one is pinned.
    this.deps.logger.error({ path }, 'no central server key pinned: session packages will be refused');
    return null;
  }

  private need<T>(v: T | null): T {
    if (v === null) throw new BoothError('BOOTH_ERR_NOT_READY', 'the visit feature is not started');
    return v;
  }
}
