import { describe, expect, it } from 'vitest';
import { chooseFace } from '../../../device/face/choose.js';
import type { Detection } from '../../../device/face/types.js';

const det = (x: number, y: number, h: number, score = 0.99): Detection => ({
  box: { x1: x, y1: y, x2: x + h * 0.8, y2: y + h },
  score,
});

describe('chooseFace', () => {
  it('reports no face for no detections', () => {
    expect(chooseFace([], 640, 480, { several: 'reject', severalRatio: 0.6 })).toEqual({
      index: -1,
      others: 0,
      refused: false,
    });
  });

  it('takes the large centred face and ignores a small one far away', () => {
    const c = chooseFace([det(10, 10, 40), det(250, 140, 200)], 640, 480, { several: 'reject', severalRatio: 0.6 });
    expect(c).toEqual({ index: 1, others: 0, refused: false });
  });

  it('prefers a confident face over a larger, low-score box', () => {
    const c = chooseFace([det(0, 0, 300, 0.72), det(260, 150, 180, 0.999)], 640, 480, {
      several: 'largest',
      severalRatio: 0.6,
    });
    expect(c.index).toBe(1);
  });

  it('refuses comparable faces under the reject policy and takes the best under largest', () => {
    const faces = [det(100, 140, 190), det(380, 140, 200)];
    expect(chooseFace(faces, 640, 480, { several: 'reject', severalRatio: 0.6 })).toMatchObject({
      others: 1,
      refused: true,
    });
    expect(chooseFace(faces, 640, 480, { several: 'largest', severalRatio: 0.6 })).toEqual({
      index: 1,
      others: 1,
      refused: false,
    });
  });
});
