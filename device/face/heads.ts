import type { HeadPose } from './types.js';

/** Decoding of the small models' outputs (pure). */

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const exps: number[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    exps.push(e);
    sum += e;
  }
  return exps.map((e) => e / sum);
}

/**
 * Hopenet-style pose head: 66 bins of 3 degrees from -99; the angle is the softmax expectation.
 */
export function binnedAngle(logits: ArrayLike<number>): number {
  const p = softmax(logits);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] as number) * i;
  return s * 3 - 99;
}

/**
 * The pose model's three outputs in the order its graph declares them: yaw ("output"),
 * pitch ("617"), roll ("618"). The mapping and the signs were checked on data (mirrored
 * images negate yaw and roll, rotated images shift roll): see docs/face.md.
 */
export function decodePose(yaw: ArrayLike<number>, pitch: ArrayLike<number>, roll: ArrayLike<number>): HeadPose {
  return { yaw: binnedAngle(yaw), pitch: binnedAngle(pitch), roll: binnedAngle(roll) };
}

/** Probability of the class at `index` after softmax. */
export function classProbability(logits: ArrayLike<number>, index: number): number {
  const p = softmax(logits)[index];
  if (p === undefined) throw new RangeError(`class ${index} out of range (${logits.length} outputs)`);
  return p;
}
