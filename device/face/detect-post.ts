import type { Affine } from './raster.js';
import type { Box, Detection } from './types.js';

/**
 * Detector geometry and post-processing (pure). The detector takes a 320x240 image; a frame of
 * another aspect ratio is letterboxed (scaled to fit, padded with neutral grey) so faces keep
 * their proportions, and boxes are mapped back through the same letterbox.
 */

export const DETECTOR_WIDTH = 320;
export const DETECTOR_HEIGHT = 240;

export interface Letterbox {
  /** Detector pixels per image pixel. */
  scale: number;
  /** Padding on the left and top, in detector pixels (the image is centred). */
  padX: number;
  padY: number;
}

export function letterbox(width: number, height: number, dw = DETECTOR_WIDTH, dh = DETECTOR_HEIGHT): Letterbox {
  const scale = Math.min(dw / width, dh / height);
  return { scale, padX: (dw - width * scale) / 2, padY: (dh - height * scale) / 2 };
}

/** Destination (detector pixel) -> source (image pixel) map of a letterbox, pixel-centre exact. */
export function letterboxAffine(lb: Letterbox): Affine {
  const s = 1 / lb.scale;
  return { a: s, b: 0, c: (0.5 - lb.padX) * s - 0.5, d: 0, e: s, f: (0.5 - lb.padY) * s - 0.5 };
}

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

export interface DecodeOptions {
  minScore: number;
  nmsIou: number;
  /** Candidates kept before NMS (the highest scores). */
  topK: number;
}

/**
 * Turns the raw outputs (scores N x 2 with index 1 = face; boxes N x 4 as normalised corners
 * of the detector input) into detections in image pixels, highest score first.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  lb: Letterbox,
  opts: DecodeOptions,
  dw = DETECTOR_WIDTH,
  dh = DETECTOR_HEIGHT,
): Detection[] {
  const n = Math.min(scores.length / 2, boxes.length / 4);
  const candidates: { i: number; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    const score = scores[i * 2 + 1] as number;
    if (score >= opts.minScore) candidates.push({ i, score });
  }
  candidates.sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (const { i, score } of candidates.slice(0, opts.topK)) {
    const box: Box = {
      x1: ((boxes[i * 4] as number) * dw - lb.padX) / lb.scale,
      y1: ((boxes[i * 4 + 1] as number) * dh - lb.padY) / lb.scale,
      x2: ((boxes[i * 4 + 2] as number) * dw - lb.padX) / lb.scale,
      y2: ((boxes[i * 4 + 3] as number) * dh - lb.padY) / lb.scale,
    };
    if (box.x2 <= box.x1 || box.y2 <= box.y1) continue;
    if (kept.every((k) => iou(k.box, box) < opts.nmsIou)) kept.push({ box, score });
  }
  return kept;
}

/**
 * The square crop the landmark model was trained on: side = box height, same centre (the
 * detector's boxes are taller than wide; the source package squares them the same way).
 */
export function squareBox(b: Box, factor = 1): Box {
  const side = (b.y2 - b.y1) * factor;
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 };
}

/**
 * A box grown by `factor` around its centre and then shifted (not shrunk) to stay inside the
 * image where it fits: the liveness model wants context around the face (x2.7).
 */
export function expandedBox(b: Box, factor: number, width: number, height: number): Box {
  const w0 = b.x2 - b.x1;
  const h0 = b.y2 - b.y1;
  const s = Math.min(factor, (width - 1) / w0, (height - 1) / h0);
  const w = w0 * s;
  const h = h0 * s;
  let x1 = (b.x1 + b.x2) / 2 - w / 2;
  let y1 = (b.y1 + b.y2) / 2 - h / 2;
  x1 = Math.min(Math.max(0, x1), width - 1 - w);
  y1 = Math.min(Math.max(0, y1), height - 1 - h);
  return { x1, y1, x2: x1 + w, y2: y1 + h };
}

/**
 * Distance from the box to the nearest frame edge as a share of the frame's short side
 * (negative when it reaches outside). The detector shrinks its box to the visible part of a
 * face cut by the frame, so a box touching the edge, not one reaching over it, is the sign.
 */
export function edgeGap(b: Box, width: number, height: number): number {
  return Math.min(b.x1, b.y1, width - b.x2, height - b.y2) / Math.min(width, height);
}
