import type { ValidityRules } from '../config/sections/signature.js';
import { isInk, type DeviceInfo, type Sample, type Stroke } from './model.js';

/**
 * Why a signature is refused. Stable codes the kiosk translates ("signature.reason.<code>"),
 * so an older expert is told what to do ("please sign larger"), not just "invalid".
 */
export const VALIDITY_REASONS = [
  'no-ink',
  'dot',
  'too-few-samples',
  'no-long-stroke',
  'too-short',
  'too-small',
  'too-quick',
  'no-pressure',
] as const;
export type ValidityReason = (typeof VALIDITY_REASONS)[number];

/** Reasons a capture ends without a signature (the tablet or the clock ended it). */
export type DiscardReason = 'tablet-disconnected' | 'timeout';

export interface ValidityResult {
  valid: boolean;
  reasons: ValidityReason[];
  /** The measures the rules were applied to (logged, and shown by `booth tablet render`). */
  measures: InkMeasures;
}

export interface InkMeasures {
  inkSamples: number;
  longestStroke: number;
  inkLengthMm: number;
  spreadMm: number;
  boxRatio: number;
  penDownMs: number;
  maxPressure: number;
}

export function measureInk(samples: readonly Sample[], strokes: readonly Stroke[], device: DeviceInfo): InkMeasures {
  const mm = 1 / device.pointsPerMm;
  let inkSamples = 0;
  let longestStroke = 0;
  let length = 0;
  let penDownMs = 0;
  let maxPressure = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const stroke of strokes) {
    longestStroke = Math.max(longestStroke, stroke.end - stroke.start);
    for (let i = stroke.start; i < stroke.end; i++) {
      const s = samples[i]!;
      if (!isInk(s)) continue;
      inkSamples++;
      maxPressure = Math.max(maxPressure, s.pressure);
      minX = Math.min(minX, s.x);
      maxX = Math.max(maxX, s.x);
      minY = Math.min(minY, s.y);
      maxY = Math.max(maxY, s.y);
      const prev = i > stroke.start ? samples[i - 1] : undefined;
      if (prev) {
        length += Math.hypot(s.x - prev.x, s.y - prev.y);
        penDownMs += s.t - prev.t;
      }
    }
  }
  const w = inkSamples ? maxX - minX : 0;
  const h = inkSamples ? maxY - minY : 0;
  return {
    inkSamples,
    longestStroke,
    inkLengthMm: length * mm,
    spreadMm: Math.hypot(w, h) * mm,
    boxRatio: Math.max(w / device.maxX, h / device.maxY),
    penDownMs,
    maxPressure,
  };
}

/** Applies the validity rules; every failing rule is reported, not just the first. */
export function checkValidity(
  samples: readonly Sample[],
  strokes: readonly Stroke[],
  device: DeviceInfo,
  rules: ValidityRules,
): ValidityResult {
  const m = measureInk(samples, strokes, device);
  if (m.inkSamples === 0) return { valid: false, reasons: ['no-ink'], measures: m };
  const reasons: ValidityReason[] = [];
  if (m.spreadMm <= rules.dotMm) reasons.push('dot');
  if (m.inkSamples < rules.minSamples) reasons.push('too-few-samples');
  if (m.longestStroke < rules.minStrokeSamples) reasons.push('no-long-stroke');
  if (m.inkLengthMm < rules.minInkMm) reasons.push('too-short');
  if (m.boxRatio < rules.minBoxRatio) reasons.push('too-small');
  if (m.penDownMs < rules.minPenDownMs) reasons.push('too-quick');
  if (m.maxPressure === 0) reasons.push('no-pressure');
  return { valid: reasons.length === 0, reasons, measures: m };
}
