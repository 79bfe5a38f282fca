import type { SignatureSettings } from '../config/sections/signature.js';
import { BoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/ports.js';
import type { DriverStatus, TabletDriver, TimedEvent } from './driver.js';
import { sampleFromEvent, segmentStrokes, type DeviceInfo, type Sample, type Signature } from './model.js';
import { checkValidity, type DiscardReason, type InkMeasures, type ValidityReason } from './validity.js';

export interface SignatureCaptureDeps {
  driver: TabletDriver;
  clock: Clock;
  settings: SignatureSettings;
  bus?: EventBus;
}

export interface CaptureResult extends Signature {
  valid: boolean;
  reasons: (ValidityReason | DiscardReason)[];
  measures: InkMeasures | null;
}

interface Session {
  samples: Sample[];
  firstAt: number | null;
  capturedAt: number;
  discarded: DiscardReason | null;
  timer: NodeJS.Timeout | null;
}

/**
 * One expert's signature on the tablet. begin() opens a capture (live ink goes to onInk
 * listeners for the kiosk), clear() starts over, finish() returns the samples, strokes and
 * validity. An unplugged tablet or the timeout discards the capture with a reason: its samples
 * are dropped, never half-kept, and finish() reports the reason.
 */
export class SignatureCapture {
  private session: Session | null = null;
  private readonly inkListeners = new Set<(sample: Sample, device: DeviceInfo) => void>();
  private offs: (() => void)[] = [];

  constructor(private readonly deps: SignatureCaptureDeps) {}

  get capturing(): boolean {
    return this.session !== null;
  }

  get driverStatus(): DriverStatus {
    return this.deps.driver.status;
  }

  async start(): Promise<void> {
    const { driver } = this.deps;
    this.offs = [
      driver.onEvent((e) => this.onEvent(e)),
      driver.onStatus((s) => {
        if (s === 'disconnected') this.discard('tablet-disconnected');
      }),
    ];
    await driver.start();
  }

  async stop(): Promise<void> {
    this.discard('stopped');
    this.closeSession();
    for (const off of this.offs) off();
    this.offs = [];
    this.inkListeners.clear();
    await this.deps.driver.stop();
  }

  /** Live ink for the kiosk: every sample of the capture in progress, in order. */
  onInk(fn: (sample: Sample, device: DeviceInfo) => void): () => void {
    this.inkListeners.add(fn);
    return () => this.inkListeners.delete(fn);
  }

  /** Opens a capture (a capture already open starts over). */
  begin(): void {
    this.closeSession();
    this.session = { samples: [], firstAt: null, capturedAt: this.deps.clock.now(), discarded: null, timer: null };
    this.armTimeout();
    this.deps.bus?.emit('signature.started', { timeoutMs: this.deps.settings.timeoutMs });
  }

  /** "Clear and redo": drops the ink so far and restarts the timeout; also recovers a discarded capture. */
  clear(): void {
    const s = this.requireSession('clear');
    s.samples = [];
    s.firstAt = null;
    s.discarded = null;
    this.armTimeout();
    this.deps.bus?.emit('signature.cleared', {});
  }

  /** Ends the capture and judges it. */
  finish(): CaptureResult {
    const s = this.requireSession('finish');
    this.closeSession();
    const device = this.deps.driver.device;
    if (s.discarded) {
      const result: CaptureResult = {
        samples: [],
        strokes: [],
        device,
        capturedAt: s.capturedAt,
        valid: false,
        reasons: [s.discarded],
        measures: null,
      };
      this.emitCaptured(result);
      return result;
    }
    const strokes = segmentStrokes(s.samples);
    const v = checkValidity(s.samples, strokes, device, this.deps.settings.validity);
    const result: CaptureResult = {
      samples: s.samples,
      strokes,
      device,
      capturedAt: s.capturedAt,
      valid: v.valid,
      reasons: v.reasons,
      measures: v.measures,
    };
    this.emitCaptured(result);
    return result;
  }

  /** Abandons the capture without a result (the expert walked away, the visit was aborted). */
  cancel(): void {
    if (!this.session) return;
    this.discard('stopped');
    this.closeSession();
  }

  private emitCaptured(r: CaptureResult): void {
    this.deps.bus?.emit('signature.captured', {
      valid: r.valid,
      reasons: [...r.reasons],
      samples: r.samples.length,
      strokes: r.strokes.length,
    });
  }

  private requireSession(action: string): Session {
    if (!this.session)
      throw new BoothError(
        'BOOTH_ERR_SIGNATURE_NO_SESSION',
        `signature ${action}: expected a capture begun with begin()`,
      );
    return this.session;
  }

  private armTimeout(): void {
    const s = this.session;
    if (!s) return;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = null;
      this.discard('timeout');
    }, this.deps.settings.timeoutMs);
  }

  private closeSession(): void {
    if (this.session?.timer) clearTimeout(this.session.timer);
    this.session = null;
  }

  private discard(reason: DiscardReason | 'stopped'): void {
    const s = this.session;
    if (!s || s.discarded) return;
    s.samples = [];
    s.firstAt = null;
    if (reason !== 'stopped') s.discarded = reason;
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    this.deps.bus?.emit('signature.discarded', { reason });
  }

  private onEvent({ at, event }: TimedEvent): void {
    const s = this.session;
    if (!s || s.discarded || event.type === 'query') return;
    if (s.firstAt === null) {
      s.firstAt = at;
      // 1 ms is the resolution kept (and the 19794-7 time channel's unit).
      s.capturedAt = this.deps.clock.now();
    }
    const last = s.samples[s.samples.length - 1];
    const sample = sampleFromEvent(event, Math.round(at - s.firstAt), last);
    s.samples.push(sample);
    const device = this.deps.driver.device;
    for (const fn of [...this.inkListeners]) fn(sample, device);
  }
}
