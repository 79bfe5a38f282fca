import type { VisitSettings } from '../config/sections/visit.js';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Camera, Clock, Leds, RecordStore } from '../core/ports.js';
import { initialMachine, step } from '../core/visit/machine.js';
import type { Choice, Effect, Input, Machine, Refusal, Visit, VisitPolicy } from '../core/visit/types.js';
import { kioskView, type KioskView } from '../core/visit/view.js';
import type { IdentityPart, SessionPackage } from '../../protocol/session/schema.js';
import type { SessionVault } from '../session/vault.js';
import { CaptureLoop, type Decision } from './capture-loop.js';
import { expertView, SignedLedger } from './expert.js';
import type { CapturedSignature, DocumentSealer, FaceVerifier, FrameCheck, InkPoint, SignaturePad } from './ports.js';
import { visitRecord } from './records.js';
import { completeProject } from './complete-project.js';
import type { SealJournal } from './seal-journal.js';
import type { DocumentOriginals } from './originals.js';
import { StaffDesk } from './staff.js';
import type { StaffPinGuard } from './pin-guard.js';

/**
 * Runs the visit state machine against the booth: inputs come from the kiosk API, the camera
 * loop and the tablet; the effects it returns drive the camera, the tablet, the LEDs, sealing
 * and the record store. Opened identity data (the verified expert's own) is held for the visit
 * only and dropped when it ends. The kiosk page follows through subscribe().
 */
export interface VisitServiceDeps {
  settings: VisitSettings;
  clock: Clock;
  bus: EventBus;
  store: RecordStore;
  vault: SessionVault;
  face: FaceVerifier | null;
  pad: SignaturePad;
  sealer: DocumentSealer;
  /** Sealing journaled as intent, blobs, sign record; the working copies of the documents. */
  seals: SealJournal;
  /** The published PDFs of a package (inline, or the files fetched with it). */
  originals: DocumentOriginals;
  camera: Camera;
  leds: Leds;
  boothId: string;
  /** The staff PIN limit (counters on disk, failures and lockouts journaled). */
  staffPins: StaffPinGuard;
  newId: () => string;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export type KioskEvent =
  | { type: 'view'; view: KioskView }
  | { type: 'frame'; width: number; height: number; faces: number; box: FrameCheck['box']; prompt: string | null }
  | { type: 'ink'; points: InkPoint[] }
  | { type: 'clear' };

const TICK_MS = 250;
const OWNER = 'visit';

export function policyFrom(s: VisitSettings): VisitPolicy {
  return {
    consentVersion: s.consentVersion,
    maxAttempts: s.maxAttempts,
    lockoutMs: s.lockoutMs,
    timeouts: { ...s.timeouts },
  };
}

export class VisitService {
  private m: Machine = initialMachine();
  private readonly policy: VisitPolicy;
  private readonly listeners = new Set<(e: KioskEvent) => void>();
  /** Who finished which project, per package id (signatures count per package id, whatever its version). */
  private readonly ledgers = new Map<string, SignedLedger>();
  /** The package the visit in progress belongs to: pinned at begin, released when the visit ends. */
  private pin: { visitId: string; pkg: SessionPackage } | null = null;
  readonly staff: StaffDesk;
  private identity: { ref: string; part: IdentityPart } | null = null;
  private signature: CapturedSignature | null = null;
  private lastSignId: string | null = null;
  private latestJpeg: Buffer | null = null;
  /** The package version whose matching data the face gallery holds. */
  private enrolledFor: string | null = null;
  private seq = 0;
  private ticker: NodeJS.Timeout | null = null;
  private offInk: (() => void) | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly capture: CaptureLoop | null;

  constructor(private readonly deps: VisitServiceDeps) {
    this.policy = policyFrom(deps.settings);
    // A seal finished from its intent counts for the one-signature rule like any other.
    deps.seals.onRecovered((sign) => {
      if (typeof sign.expertId === 'string')
        this.ledger(String(sign.packageId)).add(sign.expertId, String(sign.projectId));
    });
    this.staff = new StaffDesk(() => this.pin?.pkg ?? deps.vault.current, deps.staffPins);
    this.capture = deps.face
      ? new CaptureLoop({
          camera: deps.camera,
          face: deps.face,
          framesToDecide: deps.settings.framesToDecide,
          frameIntervalMs: deps.settings.frameIntervalMs,
          activeLiveness: () => deps.settings.activeLiveness,
          onFrame: (c) => this.onFrame(c),
          // The preview follows the camera's rate, whatever the analysis does.
          onPreview: (jpeg) => {
            if (this.m.state.name === 'capture') this.latestJpeg = jpeg;
          },
          onDecision: (d) => void this.onDecision(d),
          onError: (code, message) => deps.log.warn({ code }, `camera frame: ${message}`),
        })
      : null;
  }

  async start(): Promise<void> {
    this.ticker = setInterval(() => this.apply({ type: 'tick' }), TICK_MS);
    this.offInk = this.deps.pad.onInk((points) => {
      if (this.m.state.name !== 'signing') return;
      this.emit({ type: 'ink', points });
      this.apply({ type: 'ink' });
    });
    this.deps.leds.setPattern('idle');
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.offInk?.();
    await this.capture?.stop();
    this.deps.pad.abort();
    await this.queue;
    this.listeners.clear();
    this.deps.bus.removeOwner(OWNER);
  }

  /** Records of earlier visits that the one-signature rule must know about. */
  remember(packageId: string, expertId: string, projectId: string): void {
    this.ledger(packageId).add(expertId, projectId);
  }

  private ledger(packageId: string): SignedLedger {
    let l = this.ledgers.get(packageId);
    if (!l) this.ledgers.set(packageId, (l = new SignedLedger()));
    return l;
  }

  /** The package of the visit in progress (null when no visit is): it must not end under the visit. */
  get pinned(): SessionPackage | null {
    return this.pin?.pkg ?? null;
  }

  get machine(): Machine {
    return this.m;
  }

  /** The view, numbered: the page drops a view older than the one it shows (events and responses race). */
  view(): KioskView & { seq: number } {
    return { ...kioskView(this.m, this.now(), this.policy), seq: this.seq };
  }

  /** The latest camera frame while capturing (live preview on the loopback page only). */
  get previewJpeg(): Buffer | null {
    return this.m.state.name === 'capture' ? this.latestJpeg : null;
  }

  subscribe(fn: (e: KioskEvent) => void): () => void {
    this.listeners.add(fn);
    fn({ type: 'view', view: this.view() });
    return () => this.listeners.delete(fn);
  }

  /**
   * Applies one input. A refusal throws a coded error (the kiosk shows it) and changes nothing.
   * Returns the view after the step.
   */
  apply(input: Input): KioskView {
    const before = this.m;
    const r = step(this.m, input, this.now(), this.policy);
    if (r.refusal && input.type !== 'tick') {
      this.run(r.effects);
      throw refusalError(r.refusal);
    }
    this.m = r.machine;
    this.run(r.effects);
    if (before.state !== this.m.state || before.visit !== this.m.visit) {
      this.seq++;
      this.emit({ type: 'view', view: this.view() });
      if (before.state.name !== this.m.state.name)
        this.deps.bus.emit('visit.state', {
          visitId: this.m.visit?.id ?? before.visit?.id ?? null,
          from: before.state.name,
          to: this.m.state.name,
        });
    }
    return this.view();
  }

  // ---- actions of the kiosk API (Used by: device/http/kiosk-routes.ts) ----

  async begin(): Promise<KioskView> {
    // A visit that could not be recorded never starts: 507 BOOTH_ERR_STORE_FULL (disk low or
    // critical) or 503 BOOTH_ERR_STORE_FAULT, the kiosk says why (docs/store-sync.md).
    this.deps.store.assertAcceptingVisits();
    const pkg = this.deps.vault.current;
    if (!pkg) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session is installed on this booth');
    const unlock = this.deps.vault.unlockState();
    if (unlock.sealed)
      throw new BoothError('BOOTH_ERR_SESSION_SEALED', `the expert list opens at ${pkg.unlockAt}`, {
        unlockAt: pkg.unlockAt,
      });
    if (this.now().wall >= Date.parse(pkg.expiresAt))
      throw new BoothError('BOOTH_ERR_SESSION_NONE', 'the session has ended');
    if (this.enrolledFor !== versionKey(pkg)) await this.enrolGallery(pkg);
    const visitId = this.deps.newId();
    const view = this.apply({ type: 'begin', visitId });
    this.pin = { visitId, pkg };
    return view;
  }

  /** Opens the matching data of `pkg` (the vault audits it) and builds the face gallery; returns its size. */
  async enrolGallery(pkg: SessionPackage | null = this.deps.vault.current): Promise<number> {
    if (!this.deps.face || !pkg) return 0;
    const entries = await this.deps.vault.matchingEntries(pkg);
    const refs = await this.deps.face.enrol(
      entries.map((e) => ({ ref: e.ref, photos: e.photos, templates: e.templates })),
    );
    this.enrolledFor = versionKey(pkg);
    return refs.length;
  }

  hasSigned(packageId: string, expertId: string, projectId: string): boolean {
    return this.ledgers.get(packageId)?.has(expertId, projectId) ?? false;
  }

  /** The packages changed (an install, an end): the gallery is rebuilt for the current one at the next visit. */
  sessionChanged(): void {
    this.forgetFaces();
  }

  /** Session close: templates go, a new unlock enrols again. */
  forgetFaces(): void {
    this.deps.face?.forget();
    this.enrolledFor = null;
  }

  async witness(staffId: string, pin: string, idNumber: string): Promise<KioskView> {
    this.expectState('witness');
    const ok = await this.staff.check(staffId, pin, 'witness', this.m.visit?.id ?? null);
    // The visit may have ended (timeout, cancel) while the hash ran.
    this.expectState('witness');
    if (!ok) return this.apply({ type: 'witness-failed', reason: 'staff-credential' });
    const ref = await this.deps.vault.findByIdNumber(this.visitPackage(), idNumber);
    if (!ref) return this.apply({ type: 'witness-failed', reason: 'id-number' });
    const expert = await this.openExpert(ref, 'staff-witness');
    return this.apply({ type: 'witness-verified', expert, staffId });
  }

  async override(staffId: string, pin: string, projectId: string): Promise<KioskView> {
    this.expectState('projects');
    const ok = await this.staff.check(staffId, pin, 'override', this.m.visit?.id ?? null);
    if (!ok) throw new BoothError('BOOTH_ERR_STAFF_CREDENTIAL', 'staff id or PIN not recognised');
    this.expectState('projects');
    return this.apply({ type: 'override', projectId, staffId });
  }

  async finishSignature(): Promise<KioskView> {
    this.expectState('signing');
    const sig = await this.deps.pad.finish();
    if (!sig.valid) {
      this.deps.pad.begin(); // a new capture for the next try
      this.emit({ type: 'clear' });
      return this.apply({ type: 'signature-invalid', problems: sig.reasons });
    }
    this.signature = sig;
    return this.apply({ type: 'signature-captured' });
  }

  clearSignature(): KioskView {
    this.expectState('signing');
    this.deps.pad.clear();
    this.emit({ type: 'clear' });
    return this.view();
  }

  /** Waits until the effects queued so far (records, sealing) are done: tests and the demo. */
  settled(): Promise<void> {
    return this.queue;
  }

  // ---- internals ----

  private now() {
    return { wall: this.deps.clock.now(), mono: this.deps.clock.monotonic() };
  }

  private visitPackage(): SessionPackage {
    if (!this.pin) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session for this visit');
    return this.pin.pkg;
  }

  private expectState(name: Machine['state']['name']): void {
    if (this.m.state.name !== name)
      throw new BoothError('BOOTH_ERR_VISIT_STATE', `not possible while ${this.m.state.name}`, {
        state: this.m.state.name,
      });
  }

  private emit(e: KioskEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.deps.log.warn({ err }, 'kiosk listener failed');
      }
    }
  }

  private onFrame(c: FrameCheck): void {
    if (this.m.state.name !== 'capture') return;
    this.emit({ type: 'frame', width: c.width, height: c.height, faces: c.faces, box: c.box, prompt: c.prompt });
    this.apply({ type: 'frame', faces: c.faces, prompt: c.prompt });
  }

  private async onDecision(d: Decision): Promise<void> {
    if (this.m.state.name !== 'capture') return;
    try {
      if (d.kind === 'rejected') {
        this.apply({ type: 'face-rejected', reason: d.reason });
        return;
      }
      const expert = await this.openExpert(d.ref, 'face');
      this.apply({ type: 'face-verified', expert, score: d.score, liveness: d.liveness });
    } catch (err) {
      const e = toBoothError(err);
      this.deps.log.warn({ code: e.code }, `verification: ${e.message}`);
      if (this.m.state.name === 'capture') this.apply({ type: 'face-rejected', reason: 'error' });
    }
  }

  /** Opens the verified expert's identity (audited by the vault) and builds their view. */
  private async openExpert(ref: string, method: string) {
    const pkg = this.visitPackage();
    const part = await this.deps.vault.openIdentity(pkg, ref, 'verified', method);
    this.identity = { ref, part };
    return expertView(ref, part, pkg, this.ledger(pkg.packageId));
  }

  /** Effects run in order on one queue, so records keep the order of the steps. */
  private run(effects: Effect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'leds':
          this.deps.leds.setPattern(e.pattern);
          break;
        case 'capture':
          if (e.on) {
            this.latestJpeg = null;
            this.capture?.start();
          } else void this.capture?.stop();
          break;
        case 'tablet':
          if (e.on) {
            this.signature = null;
            this.emit({ type: 'clear' });
            this.deps.pad.begin();
          } else if (this.m.state.name !== 'confirm') this.deps.pad.abort();
          break;
        case 'audit':
          this.enqueue(async () => {
            await this.commit('audit', { event: e.event, ...e.detail });
          });
          break;
        case 'finalise':
          this.enqueue(() => this.finalise(e.visit, e.choice));
          break;
        case 'visit-ended':
          this.enqueue(() => this.ended(e.visit, e.outcome, e.at));
          break;
      }
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => {
      const e = toBoothError(err);
      this.deps.log.warn({ code: e.code }, `visit effect failed: ${e.message}`);
      this.deps.bus.emit('hardware.fault', { device: 'leds', code: e.code, message: e.message });
    });
  }

  private async commit(kind: 'audit' | 'sign' | 'visit', payload: Record<string, unknown>): Promise<string> {
    const r = await this.deps.store.commit({ kind, payload: { boothId: this.deps.boothId, ...payload } });
    return r.id;
  }

  /** Stamps and seals (or records a refusal), commits the sign record, then shows the receipt. */
  private async finalise(visit: Visit, choice: Choice): Promise<void> {
    const pkg = this.pin?.visitId === visit.id ? this.pin.pkg : null;
    const identity = this.identity;
    try {
      if (!pkg || !identity) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'the session or the identity is gone');
      // Sealing and the commit hold the session lifecycle: the package cannot end (close,
      // revoke, replacement) between the check that it is open and the sign record.
      const done = await this.deps.vault.whileOpen(pkg, () =>
        completeProject(this.deps, {
          pkg,
          identity: identity.part,
          visit,
          choice,
          signature: this.signature,
        }),
      );
      this.ledger(pkg.packageId).add(identity.part.expertId, choice.projectId);
      this.lastSignId = done.signId;
      this.deps.bus.emit('visit.signed', {
        recordId: done.recordId,
        signId: done.signId,
        projectId: choice.projectId,
        action: choice.action,
        documents: done.documents.map((d) => d.blob),
      });
      this.apply({ type: 'sealed', recordId: done.signId });
    } catch (err) {
      const e = toBoothError(err);
      this.deps.log.warn({ code: e.code }, `sealing failed: ${e.message}`);
      this.apply({ type: 'seal-failed', code: e.code });
    } finally {
      this.signature = null;
    }
  }

  private async ended(visit: Visit, outcome: Parameters<typeof visitRecord>[1], at: number): Promise<void> {
    const pkg = this.pin?.visitId === visit.id ? this.pin.pkg : null;
    await this.commit(
      'visit',
      visitRecord(visit, outcome, at, {
        packageId: pkg?.packageId ?? null,
        boothId: this.deps.boothId,
        signId: this.lastSignId,
      }),
    );
    this.identity = null;
    this.signature = null;
    this.lastSignId = null;
    this.latestJpeg = null;
    if (this.pin?.visitId === visit.id) this.pin = null;
    this.deps.bus.emit('visit.ended', { visitId: visit.id, outcome });
  }
}

const versionKey = (p: SessionPackage) => `${p.packageId}\u0000${p.version}`;

function refusalError(r: Refusal): BoothError {
  const code =
    r.code === 'bad-state'
      ? 'BOOTH_ERR_VISIT_STATE'
      : r.code === 'bad-input'
        ? 'BOOTH_ERR_BAD_INPUT'
        : 'BOOTH_ERR_VISIT_REFUSED';
  return new BoothError(code, r.message, { refusal: r.code });
}
