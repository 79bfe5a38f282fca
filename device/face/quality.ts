import type { EyeState, HeadPose } from './types.js';

/**
 * Quality gates (pure): measurements in, reason codes out. Each code is one prompt the kiosk
 * shows ("move closer", "face the camera", ...); codes come in a fixed order, most basic first,
 * so the kiosk can show the first one only.
 */

export const QUALITY_REASONS = [
  'no_face',
  'several_faces',
  'face_too_small',
  'face_cut',
  'pose',
  'eyes_closed',
  'blurred',
  'too_dark',
  'too_bright',
  'backlit',
] as const;
export type QualityReason = (typeof QUALITY_REASONS)[number];

export interface QualityThresholds {
  minEyeDistance: number;
  maxYaw: number;
  maxPitch: number;
  maxRoll: number;
  minEdgeGap: number;
  minSharpness: number;
  minBrightness: number;
  maxBrightness: number;
  maxClipped: number;
  backlightRatio: number;
  eyesClosedBelow: number;
}

/** What was measured on the chosen face; absent measurements skip their gate. */
export interface QualityMeasures {
  faces: number;
  severalRefused: boolean;
  eyeDistance?: number;
  /** Distance from the face box to the nearest frame edge, as a share of the frame's short side. */
  edgeGap?: number;
  pose?: HeadPose;
  eyes?: EyeState;
  sharpness?: number;
  face?: { mean: number; dark: number; bright: number };
  frameMean?: number;
}

export function qualityReasons(m: QualityMeasures, t: QualityThresholds): QualityReason[] {
  if (m.faces === 0) return ['no_face'];
  const out = new Set<QualityReason>();
  if (m.severalRefused) out.add('several_faces');
  if (m.eyeDistance !== undefined && m.eyeDistance < t.minEyeDistance) out.add('face_too_small');
  if (m.edgeGap !== undefined && m.edgeGap < t.minEdgeGap) out.add('face_cut');
  if (
    m.pose &&
    (Math.abs(m.pose.yaw) > t.maxYaw || Math.abs(m.pose.pitch) > t.maxPitch || Math.abs(m.pose.roll) > t.maxRoll)
  )
    out.add('pose');
  if (m.eyes && Math.max(m.eyes.left, m.eyes.right) < t.eyesClosedBelow) out.add('eyes_closed');
  let underlit = false;
  if (m.face) {
    const backlit = m.frameMean !== undefined && m.frameMean > m.face.mean * t.backlightRatio;
    if (backlit) out.add('backlit');
    else if (m.face.mean < t.minBrightness || m.face.dark > t.maxClipped) out.add('too_dark');
    if (m.face.mean > t.maxBrightness || m.face.bright > t.maxClipped) out.add('too_bright');
    underlit = out.has('backlit') || out.has('too_dark');
  }
  // A dim face has little contrast, so it also measures as blurred: the light prompt comes first.
  if (!underlit && m.sharpness !== undefined && m.sharpness < t.minSharpness) out.add('blurred');
  return QUALITY_REASONS.filter((r) => out.has(r));
}
