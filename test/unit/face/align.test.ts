import { describe, expect, it } from 'vitest';
import {
  alignmentError,
  applyAffine,
  ARCFACE_REFERENCE,
  fitSimilarity,
  fivePointsFrom68,
  interEyeDistance,
} from '../../../device/face/align.js';
import { invertAffine, type Affine } from '../../../device/face/raster.js';
import type { Point } from '../../../device/face/types.js';

/** A similarity: rotate by `deg`, scale by `s`, then translate. */
function similarity(deg: number, s: number, tx: number, ty: number): Affine {
  const r = (deg * Math.PI) / 180;
  return { a: s * Math.cos(r), b: -s * Math.sin(r), c: tx, d: s * Math.sin(r), e: s * Math.cos(r), f: ty };
}

describe('fitSimilarity', () => {
  it('recovers an exact rotation, scale and translation', () => {
    const truth = similarity(17, 2.5, 40, -12);
    const from = ARCFACE_REFERENCE.map((p) => ({ ...p }));
    const to = from.map((p) => applyAffine(truth, p));
    const fit = fitSimilarity(from, to);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(fit[k]).toBeCloseTo(truth[k], 9);
    expect(alignmentError(fit, from, to)).toBeLessThan(1e-9);
  });

  it('maps a face found in a frame onto the ArcFace reference points', () => {
    // The reference face, shrunk, rotated 10 degrees and moved to (300, 200) of a frame.
    const toFrame = similarity(10, 1.8, 300, 200);
    const inFrame = ARCFACE_REFERENCE.map((p) => applyAffine(toFrame, p));
    const fit = fitSimilarity(inFrame, ARCFACE_REFERENCE);
    inFrame.forEach((p, i) => {
      const q = applyAffine(fit, p);
      expect(q.x).toBeCloseTo(ARCFACE_REFERENCE[i]!.x, 6);
      expect(q.y).toBeCloseTo(ARCFACE_REFERENCE[i]!.y, 6);
    });
  });

  it('never mirrors: a mirrored point set is fitted with a rotation, leaving a residual', () => {
    const mirrored = ARCFACE_REFERENCE.map((p) => ({ x: 112 - p.x, y: p.y }));
    const fit = fitSimilarity(mirrored, ARCFACE_REFERENCE);
    // A similarity's linear part has a = e and b = -d (no reflection).
    expect(fit.a).toBeCloseTo(fit.e, 12);
    expect(fit.b).toBeCloseTo(-fit.d, 12);
    expect(alignmentError(fit, mirrored, ARCFACE_REFERENCE)).toBeGreaterThan(1);
  });

  it('is the least-squares fit when the points are noisy', () => {
    const truth = similarity(-5, 0.5, 10, 20);
    const noise = [0.3, -0.2, 0.1, -0.4, 0.2];
    const to = ARCFACE_REFERENCE.map((p, i) => {
      const q = applyAffine(truth, p);
      return { x: q.x + noise[i]!, y: q.y - noise[i]! };
    });
    const fit = fitSimilarity(ARCFACE_REFERENCE, to);
    const err = alignmentError(fit, ARCFACE_REFERENCE, to);
    // Any perturbation of the fitted parameters makes the error larger.
    for (const k of ['a', 'b', 'c', 'f'] as const) {
      const moved = { ...fit, [k]: fit[k] + 1e-3 };
      if (k === 'a') moved.e = fit.e + 1e-3;
      if (k === 'b') moved.d = fit.d - 1e-3;
      expect(alignmentError(moved, ARCFACE_REFERENCE, to)).toBeGreaterThan(err);
    }
  });

  it('refuses degenerate input', () => {
    const p = { x: 1, y: 1 };
    expect(() => fitSimilarity([p, p], [p, { x: 2, y: 2 }])).toThrow(/coincide/);
    expect(() => fitSimilarity([p], [p])).toThrow(/two point pairs/);
  });
});

describe('invertAffine', () => {
  it('undoes the transform', () => {
    const m = similarity(33, 1.7, -4, 9);
    const inv = invertAffine(m);
    const p = { x: 12.5, y: -3 };
    const back = applyAffine(inv, applyAffine(m, p));
    expect(back.x).toBeCloseTo(p.x, 10);
    expect(back.y).toBeCloseTo(p.y, 10);
  });
  it('refuses a singular matrix', () => {
    expect(() => invertAffine({ a: 1, b: 2, c: 0, d: 2, e: 4, f: 0 })).toThrow(/not invertible/);
  });
});

describe('fivePointsFrom68', () => {
  const points: Point[] = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 100 + i }));

  it('takes eye-contour means, the nose tip and the outer mouth corners', () => {
    const [le, re, nose, ml, mr] = fivePointsFrom68(points);
    expect(le).toEqual({ x: (36 + 37 + 38 + 39 + 40 + 41) / 6, y: 100 + 38.5 });
    expect(re).toEqual({ x: (42 + 43 + 44 + 45 + 46 + 47) / 6, y: 100 + 44.5 });
    expect(nose).toEqual({ x: 30, y: 130 });
    expect(ml).toEqual({ x: 48, y: 148 });
    expect(mr).toEqual({ x: 54, y: 154 });
    expect(interEyeDistance(fivePointsFrom68(points))).toBeCloseTo(Math.hypot(6, 6), 10);
  });

  it('refuses a wrong landmark count', () => {
    expect(() => fivePointsFrom68(points.slice(0, 5))).toThrow(/expected 68 landmarks/);
  });
});
