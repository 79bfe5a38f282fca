import type { OutEvent, PenEvent, ProtocolName } from './protocol/types.js';

/**
 * One timestamped report from the tablet. Hover reports (proximity, no tip) and proximity-out
 * markers stay in the stream as forensic evidence; only pen-down reports become ink.
 */
export interface Sample {
  /** Milliseconds since the first sample of the signature (monotonic arrival time). */
  t: number;
  x: number;
  y: number;
  pressure: number;
  tip: boolean;
  /** False for the marker recorded when the pen leaves the sensing range. */
  proximity: boolean;
  eraser: boolean;
  side: boolean;
}

/**
 * The sample a pen or proximity-out report becomes at time t. A proximity-out has no position:
 * it is kept at the last position, as evidence of where the pen left (the live capture and the
 * recording decoder both use this, so both give the same samples for the same bytes).
 */
export function sampleFromEvent(event: PenEvent | OutEvent, t: number, last: Sample | undefined): Sample {
  return event.type === 'pen'
    ? {
        t,
        x: event.x,
        y: event.y,
        pressure: event.pressure,
        tip: event.tip,
        proximity: true,
        eraser: event.eraser,
        side: event.side,
      }
    : { t, x: last?.x ?? 0, y: last?.y ?? 0, pressure: 0, tip: false, proximity: false, eraser: false, side: false };
}

/** A pen-down segment: samples[start..end) all have the tip down and are not the eraser. */
export interface Stroke {
  start: number;
  end: number;
}

/** What the samples' units mean: needed to render at real size and to export dynamics. */
export interface DeviceInfo {
  protocol: ProtocolName;
  maxX: number;
  maxY: number;
  maxPressure: number;
  pointsPerMm: number;
  /** Firmware version from the query reply; null when the tablet did not answer. */
  version: number | null;
}

export interface Signature {
  samples: Sample[];
  strokes: Stroke[];
  device: DeviceInfo;
  /** Wall-clock time (ms since the epoch) of the first sample. */
  capturedAt: number;
}

/** True for a sample that puts ink down. */
export function isInk(s: Sample): boolean {
  return s.tip && s.proximity && !s.eraser;
}

/** Pen-down segments of a sample stream. */
export function segmentStrokes(samples: readonly Sample[]): Stroke[] {
  const strokes: Stroke[] = [];
  let start = -1;
  samples.forEach((s, i) => {
    if (isInk(s)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      strokes.push({ start, end: i });
      start = -1;
    }
  });
  if (start >= 0) strokes.push({ start, end: samples.length });
  return strokes;
}

export function strokeSamples(signature: Pick<Signature, 'samples'>, stroke: Stroke): Sample[] {
  return signature.samples.slice(stroke.start, stroke.end);
}
