import { describe, expect, it } from 'vitest';
import {
  decodeDetections,
  expandedBox,
  iou,
  letterbox,
  letterboxAffine,
  edgeGap,
  squareBox,
} from '../../../device/face/detect-post.js';
import { applyAffine } from '../../../device/face/align.js';

describe('letterbox', () => {
  it('maps a 640x480 frame exactly onto 320x240', () => {
    expect(letterbox(640, 480)).toEqual({ scale: 0.5, padX: 0, padY: 0 });
  });

  it('keeps the aspect ratio of a portrait photo and centres it', () => {
    const lb = letterbox(300, 600);
    expect(lb.scale).toBeCloseTo(0.4, 10);
    expect(lb.padX).toBeCloseTo((320 - 120) / 2, 10);
    expect(lb.padY).toBe(0);
    // The centre of the detector input is the centre of the image.
    const c = applyAffine(letterboxAffine(lb), { x: 159.5, y: 119.5 });
    expect(c.x).toBeCloseTo(149.5, 6);
    expect(c.y).toBeCloseTo(299.5, 6);
  });
});

describe('decodeDetections', () => {
  // Three anchors: a face, a duplicate of it, and a weak hit.
  const scores = new Float32Array([0.1, 0.9, 0.2, 0.8, 0.7, 0.3]);
  const boxes = new Float32Array([0.25, 0.25, 0.5, 0.75, 0.26, 0.25, 0.51, 0.75, 0.8, 0.1, 0.9, 0.2]);

  it('keeps scores above the threshold, suppresses overlaps and maps back to image pixels', () => {
    const lb = letterbox(640, 480);
    const dets = decodeDetections(scores, boxes, lb, { minScore: 0.5, nmsIou: 0.4, topK: 10 });
    expect(dets).toHaveLength(1);
    expect(dets[0]!.score).toBeCloseTo(0.9, 6);
    expect(dets[0]!.box.x1).toBeCloseTo(160, 4);
    expect(dets[0]!.box.y1).toBeCloseTo(120, 4);
    expect(dets[0]!.box.x2).toBeCloseTo(320, 4);
    expect(dets[0]!.box.y2).toBeCloseTo(360, 4);
  });

  it('undoes the letterbox padding', () => {
    const lb = letterbox(240, 240); // scale 1, 40 px bars left and right
    const dets = decodeDetections(new Float32Array([0, 1]), new Float32Array([0.125, 0, 0.875, 1]), lb, {
      minScore: 0.5,
      nmsIou: 0.4,
      topK: 10,
    });
    expect(dets[0]!.box.x1).toBeCloseTo(0, 4);
    expect(dets[0]!.box.x2).toBeCloseTo(240, 4);
  });
});

describe('box helpers', () => {
  it('computes IoU', () => {
    expect(iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 1, y1: 0, x2: 3, y2: 2 })).toBeCloseTo(1 / 3, 10);
    expect(iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 2, y1: 2, x2: 3, y2: 3 })).toBe(0);
  });

  it('squares a box on its height around the same centre', () => {
    expect(squareBox({ x1: 10, y1: 0, x2: 30, y2: 40 })).toEqual({ x1: 0, y1: 0, x2: 40, y2: 40 });
  });

  it('grows a box for context but keeps it inside the image', () => {
    const b = expandedBox({ x1: 0, y1: 0, x2: 40, y2: 40 }, 2.7, 640, 480);
    expect(b.x1).toBe(0);
    expect(b.y1).toBe(0);
    expect(b.x2 - b.x1).toBeCloseTo(108, 6);
    const big = expandedBox({ x1: 100, y1: 100, x2: 400, y2: 400 }, 2.7, 640, 480);
    expect(big.y2 - big.y1).toBeLessThanOrEqual(479);
  });

  it('measures how close a face is to the frame edge', () => {
    expect(edgeGap({ x1: 100, y1: 48, x2: 300, y2: 300 }, 640, 480)).toBeCloseTo(0.1, 10);
    expect(edgeGap({ x1: 100, y1: 100, x2: 300, y2: 470 }, 640, 480)).toBeCloseTo(10 / 480, 10);
    expect(edgeGap({ x1: -24, y1: 10, x2: 50, y2: 110 }, 640, 480)).toBeCloseTo(-0.05, 10);
  });
});
