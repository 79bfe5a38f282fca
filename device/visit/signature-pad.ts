import type { SignatureSettings } from '../config/sections/signature.js';
import type { SignatureCapture } from '../signature/capture.js';
import { toIso19794_7 } from '../signature/iso19794-7.js';
import { isInk } from '../signature/model.js';
import { renderPng } from '../signature/render/png.js';
import type { CapturedSignature, InkPoint, SignaturePad } from './ports.js';

const INK_BATCH_MS = 40;
const STAMP_HEIGHT_PX = 240;

/**
 * SignaturePad over the signature feature's capture: live ink is batched for the kiosk (a page
 * redraw per sample would be wasted), and a valid signature comes back rendered for the stamp
 * and as its ISO/IEC 19794-7 dynamics, which the sealed revision binds.
 */
export class CaptureSignaturePad implements SignaturePad {
  private batch: InkPoint[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(points: InkPoint[]) => void>();
  private off: (() => void) | null = null;

  constructor(
    private readonly capture: SignatureCapture,
    private readonly settings: SignatureSettings,
    /** Simulation: play the recorded signature once a capture begins. */
    private readonly afterBegin: () => void = () => undefined,
  ) {}

  begin(): void {
    this.off ??= this.capture.onInk((s, device) => {
      this.batch.push({ x: s.x / device.maxX, y: s.y / device.maxY, down: isInk(s) });
      this.timer ??= setTimeout(() => this.flush(), INK_BATCH_MS);
    });
    this.capture.begin();
    this.afterBegin();
  }

  clear(): void {
    this.capture.clear();
    this.batch = [];
  }

  async finish(): Promise<CapturedSignature> {
    this.flush();
    const r = this.capture.finish();
    const base = {
      valid: r.valid,
      reasons: r.reasons.map(String),
      samples: r.samples.length,
      strokes: r.strokes.length,
    };
    if (!r.valid) return { ...base, png: null, dynamics: null };
    const png = await renderPng(r, this.settings.render, { heightPx: STAMP_HEIGHT_PX });
    return { ...base, png: png.png, dynamics: toIso19794_7(r) };
  }

  abort(): void {
    if (this.capture.capturing) this.capture.finish(); // closes the capture; the result is dropped
    this.batch = [];
  }

  onInk(fn: (points: InkPoint[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.batch.length === 0) return;
    const points = this.batch;
    this.batch = [];
    for (const fn of this.listeners) fn(points);
  }
}
