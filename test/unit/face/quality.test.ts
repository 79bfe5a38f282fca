import { describe, expect, it } from 'vitest';
import { qualityReasons, QUALITY_REASONS, type QualityMeasures } from '../../../device/face/quality.js';
import { compileValidator } from '../../../protocol/validate.js';
import { FaceConfig } from '../../../device/config/sections/face.js';

const t = compileValidator(FaceConfig, { defaults: true }).parse({}).quality;

const good: QualityMeasures = {
  faces: 1,
  severalRefused: false,
  eyeDistance: 80,
  edgeGap: 0.2,
  pose: { yaw: 3, pitch: -5, roll: 1 },
  eyes: { left: 0.99, right: 0.98, open: true },
  sharpness: 500,
  face: { mean: 120, dark: 0.01, bright: 0.01 },
  frameMean: 110,
};

describe('quality reasons', () => {
  it('passes a good frontal face', () => {
    expect(qualityReasons(good, t)).toEqual([]);
  });

  it('reports no_face alone when there is no face', () => {
    expect(qualityReasons({ faces: 0, severalRefused: false }, t)).toEqual(['no_face']);
  });

  it.each<[string, Partial<QualityMeasures>, string]>([
    ['several faces', { faces: 2, severalRefused: true }, 'several_faces'],
    ['small face', { eyeDistance: t.minEyeDistance - 1 }, 'face_too_small'],
    ['face cut by the edge', { edgeGap: 0.005 }, 'face_cut'],
    ['turned head', { pose: { yaw: t.maxYaw + 1, pitch: 0, roll: 0 } }, 'pose'],
    ['head tilted down', { pose: { yaw: 0, pitch: -(t.maxPitch + 1), roll: 0 } }, 'pose'],
    ['tilted in plane', { pose: { yaw: 0, pitch: 0, roll: t.maxRoll + 1 } }, 'pose'],
    ['both eyes closed', { eyes: { left: 0.1, right: 0.2, open: false } }, 'eyes_closed'],
    ['blur', { sharpness: t.minSharpness - 1 }, 'blurred'],
    ['dark face', { face: { mean: 30, dark: 0.4, bright: 0 }, frameMean: 30 }, 'too_dark'],
    ['overexposed face', { face: { mean: 240, dark: 0, bright: 0.6 }, frameMean: 240 }, 'too_bright'],
    ['bright window behind a dark face', { face: { mean: 60, dark: 0.1, bright: 0 }, frameMean: 200 }, 'backlit'],
  ])('%s -> %s', (_name, change, reason) => {
    expect(qualityReasons({ ...good, ...change }, t)).toEqual([reason]);
  });

  it('keeps one eye closed (a wink) acceptable', () => {
    expect(qualityReasons({ ...good, eyes: { left: 0.05, right: 0.97, open: true } }, t)).toEqual([]);
  });

  it('lists several reasons in the fixed order, most basic first', () => {
    const r = qualityReasons({ ...good, eyeDistance: 10, sharpness: 1, pose: { yaw: 80, pitch: 0, roll: 0 } }, t);
    expect(r).toEqual(['face_too_small', 'pose', 'blurred']);
    expect([...r].sort((a, b) => QUALITY_REASONS.indexOf(a) - QUALITY_REASONS.indexOf(b))).toEqual(r);
  });

  it('skips gates whose measurement is absent (reference photos)', () => {
    expect(qualityReasons({ faces: 1, severalRefused: false }, t)).toEqual([]);
  });
});

describe('quality reasons that hide each other', () => {
  it('does not also call a dark face blurred (low light lowers contrast)', () => {
    const dark = { ...good, sharpness: 1, face: { mean: 20, dark: 0.7, bright: 0 }, frameMean: 20 };
    expect(qualityReasons(dark, t)).toEqual(['too_dark']);
  });
});
