import type { Affine } from './raster.js';
import type { FivePoints, Point } from './types.js';

/**
 * Alignment math (pure): the 68-point landmarks are reduced to the five ArcFace points and a
 * similarity transform (rotation, uniform scale, translation; no shear, no mirror) is fitted by
 * least squares onto the ArcFace 112x112 reference. A similarity keeps the face's proportions,
 * which is what the embedding model was trained on; the 3-point affine of the source package
 * shears faces whose landmarks are slightly off.
 */

/** insightface's arcface_dst: the five reference points in the 112x112 aligned crop. */
export const ARCFACE_REFERENCE: FivePoints = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

export const ALIGNED_SIZE = 112;

/** Indices (0-based) of the iBUG 68-point layout. */
export const LANDMARK = {
  leftEye: [36, 37, 38, 39, 40, 41],
  rightEye: [42, 43, 44, 45, 46, 47],
  noseTip: 30,
  mouthLeft: 48,
  mouthRight: 54,
  innerMouthLeft: 60,
  innerMouthRight: 64,
} as const;

function at(points: readonly Point[], i: number): Point {
  const p = points[i];
  if (!p) throw new RangeError(`landmark ${i} missing: expected 68 points, got ${points.length}`);
  return p;
}

function mean(points: readonly Point[], indices: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    const p = at(points, i);
    x += p.x;
    y += p.y;
  }
  return { x: x / indices.length, y: y / indices.length };
}

/** Eye centres as the mean of each eye's six contour points. */
export function eyeCentres(points: readonly Point[]): { left: Point; right: Point } {
  return { left: mean(points, LANDMARK.leftEye), right: mean(points, LANDMARK.rightEye) };
}

/** 68 points -> eye centres, nose tip, outer mouth corners (the ArcFace reference points). */
export function fivePointsFrom68(points: readonly Point[]): FivePoints {
  if (points.length !== 68) throw new RangeError(`expected 68 landmarks, got ${points.length}`);
  const { left, right } = eyeCentres(points);
  return [left, right, at(points, LANDMARK.noseTip), at(points, LANDMARK.mouthLeft), at(points, LANDMARK.mouthRight)];
}

/** Distance between the eye centres in pixels: the face-size measure of the quality gate. */
export function interEyeDistance(points: FivePoints): number {
  return Math.hypot(points[1].x - points[0].x, points[1].y - points[0].y);
}

/**
 * Least-squares similarity transform taking `from` onto `to` (Umeyama for 2-D without
 * reflection): to ~ [a -b; b a] * from + t. Returns the forward map as an Affine.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new RangeError('need at least two point pairs');
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += at(from, i).x;
    fy += at(from, i).y;
    tx += at(to, i).x;
    ty += at(to, i).y;
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let sxx = 0;
  let num1 = 0;
  let num2 = 0;
  for (let i = 0; i < n; i++) {
    const ux = at(from, i).x - fx;
    const uy = at(from, i).y - fy;
    const vx = at(to, i).x - tx;
    const vy = at(to, i).y - ty;
    sxx += ux * ux + uy * uy;
    num1 += ux * vx + uy * vy;
    num2 += ux * vy - uy * vx;
  }
  if (sxx < 1e-9) throw new RangeError('source points coincide: cannot fit a transform');
  const a = num1 / sxx;
  const b = num2 / sxx;
  return { a, b: -b, c: tx - (a * fx - b * fy), d: b, e: a, f: ty - (b * fx + a * fy) };
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m.a * p.x + m.b * p.y + m.c, y: m.d * p.x + m.e * p.y + m.f };
}

/** Root-mean-square distance, in reference pixels, between the mapped points and the reference. */
export function alignmentError(m: Affine, from: readonly Point[], to: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < from.length; i++) {
    const p = applyAffine(m, at(from, i));
    s += (p.x - at(to, i).x) ** 2 + (p.y - at(to, i).y) ** 2;
  }
  return Math.sqrt(s / from.length);
}
