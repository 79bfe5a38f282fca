import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isdv4 } from '../../../device/signature/protocol/isdv4.js';
import { decodeRecording } from '../../../device/signature/recording.js';
import { segmentStrokes, type DeviceInfo, type Sample, type Signature } from '../../../device/signature/model.js';

export const DEVICE: DeviceInfo = {
  protocol: 'isdv4',
  maxX: 26_202,
  maxY: 16_325,
  maxPressure: 1023,
  pointsPerMm: 100,
  version: 36,
};

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

/** The demo recording decoded as the driver would see it at 38400 baud. */
export function demoSignature(): Signature {
  const bytes = readFileSync(join(FIXTURES, 'demo', 'tablet', 'signature.isdv4'));
  return decodeRecording(bytes, { protocol: isdv4, baudRate: 38_400, device: DEVICE, capturedAt: 1_700_000_000_000 });
}

export interface LineSpec {
  from: [number, number];
  to: [number, number];
  n: number;
  /** Total duration of the line (ms). */
  ms: number;
  pressure?: number;
  tip?: boolean;
  eraser?: boolean;
  t0?: number;
}

/** n samples evenly along a straight line (tablet units). */
export function line(spec: LineSpec): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < spec.n; i++) {
    const f = spec.n === 1 ? 0 : i / (spec.n - 1);
    out.push({
      t: Math.round((spec.t0 ?? 0) + spec.ms * f),
      x: Math.round(spec.from[0] + (spec.to[0] - spec.from[0]) * f),
      y: Math.round(spec.from[1] + (spec.to[1] - spec.from[1]) * f),
      pressure: spec.pressure ?? 500,
      tip: spec.tip ?? true,
      proximity: true,
      eraser: spec.eraser ?? false,
      side: false,
    });
  }
  return out;
}

export function signatureOf(samples: Sample[], device: DeviceInfo = DEVICE): Signature {
  return { samples, strokes: segmentStrokes(samples), device, capturedAt: 0 };
}
