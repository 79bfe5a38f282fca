import type { Detection } from './types.js';

/**
 * Which detected face is "the person at the booth" (pure). Faces are ranked by size, then by
 * closeness to the frame centre and detector score; a low-scoring large box (a blurred
 * background pattern does this in the test data) loses to a confident face. Other faces count
 * as "several faces" only when they are comparable in size, so a distant passer-by does not
 * block a visit.
 */

export interface ChoiceOptions {
  /** 'reject': comparable other faces make the frame unusable; 'largest': take the best one anyway. */
  several: 'reject' | 'largest';
  /** Another face counts when its box height is at least this share of the chosen face's. */
  severalRatio: number;
}

export interface FaceChoice {
  /** Index into the detections of the chosen face, or -1 when none is usable. */
  index: number;
  /** Other faces comparable in size to the chosen one. */
  others: number;
  /** True when policy refuses the frame because of the other faces. */
  refused: boolean;
}

function height(d: Detection): number {
  return d.box.y2 - d.box.y1;
}

/** Rank of a face: its height, discounted by distance from the centre and by a weak score. */
export function faceRank(d: Detection, width: number, height_: number): number {
  const cx = (d.box.x1 + d.box.x2) / 2 / width - 0.5;
  const cy = (d.box.y1 + d.box.y2) / 2 / height_ - 0.5;
  const off = Math.min(1, Math.hypot(cx, cy) / 0.7071);
  const confidence = Math.min(1, Math.max(0, (d.score - 0.5) / 0.45));
  return height(d) * (1 - 0.5 * off) * (0.25 + 0.75 * confidence);
}

export function chooseFace(
  dets: readonly Detection[],
  width: number,
  height_: number,
  opts: ChoiceOptions,
): FaceChoice {
  if (dets.length === 0) return { index: -1, others: 0, refused: false };
  let best = 0;
  let bestRank = -Infinity;
  dets.forEach((d, i) => {
    const r = faceRank(d, width, height_);
    if (r > bestRank) {
      bestRank = r;
      best = i;
    }
  });
  const chosen = dets[best] as Detection;
  const others = dets.filter((d, i) => i !== best && height(d) >= opts.severalRatio * height(chosen)).length;
  return { index: best, others, refused: others > 0 && opts.several === 'reject' };
}
