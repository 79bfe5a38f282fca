import { describe, expect, it } from 'vitest';
import {
  boxToAffine,
  laplacianVariance,
  lumaStats,
  warpToTensor,
  type TensorSpec,
} from '../../../device/face/raster.js';
import type { RgbImage } from '../../../device/face/types.js';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height };
}

const raw = (w: number, h: number, channels: TensorSpec['channels'] = 'rgb'): TensorSpec => ({
  width: w,
  height: h,
  channels,
  mean: [0],
  scale: [1],
  border: 9,
});

describe('warpToTensor', () => {
  const img = image(4, 3, (x, y) => [x * 10, y * 20, 200]);

  it('with the identity box copies pixels into planar RGB', () => {
    const t = warpToTensor(img, boxToAffine({ x1: 0, y1: 0, x2: 4, y2: 3 }, 4, 3), raw(4, 3));
    expect(Array.from(t.subarray(0, 4))).toEqual([0, 10, 20, 30]); // R of row 0
    expect(Array.from(t.subarray(12, 16))).toEqual([0, 0, 0, 0]); // G of row 0
    expect(t[12 + 4]).toBe(20); // G of row 1
    expect(t[24]).toBe(200); // B plane
  });

  it('swaps channels for BGR models and normalises', () => {
    const spec: TensorSpec = { ...raw(4, 3, 'bgr'), mean: [127], scale: [1 / 128] };
    const t = warpToTensor(img, boxToAffine({ x1: 0, y1: 0, x2: 4, y2: 3 }, 4, 3), spec);
    expect(t[0]).toBeCloseTo((200 - 127) / 128, 6); // first plane holds blue
    expect(t[24 + 1]).toBeCloseTo((10 - 127) / 128, 6); // last plane holds red
  });

  it('converts to luma for gray models', () => {
    const t = warpToTensor(img, boxToAffine({ x1: 0, y1: 0, x2: 4, y2: 3 }, 4, 3), raw(4, 3, 'gray'));
    expect(t.length).toBe(12);
    expect(t[1]).toBeCloseTo(0.299 * 10 + 0.114 * 200, 4);
  });

  it('reads the border value outside the image', () => {
    const t = warpToTensor(img, boxToAffine({ x1: -8, y1: -8, x2: -4, y2: -5 }, 4, 3), raw(4, 3));
    expect(Array.from(t).every((v) => v === 9)).toBe(true);
  });

  it('gives the same values on the fast path for unrotated crops as the general sampler', () => {
    const noisy = image(40, 30, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y) % 256]);
    const crop = boxToAffine({ x1: -3.3, y1: 2.2, x2: 30.1, y2: 33.7 }, 16, 16);
    const fast = warpToTensor(noisy, crop, raw(16, 16));
    const general = warpToTensor(noisy, { ...crop, b: 1e-9 }, raw(16, 16)); // a tiny rotation
    fast.forEach((v, i) => expect(v).toBeCloseTo(general[i]!, 3));
  });

  it.each(['rgb', 'bgr', 'gray'] as const)(
    'gives the same values on the integer-shift path (%s, per-channel means, partly outside) as the general sampler',
    (channels) => {
      const noisy = image(20, 12, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y) % 256]);
      const spec: TensorSpec = {
        width: 16,
        height: 10,
        channels,
        mean: [10, 20, 30],
        scale: [0.5, 0.25, 2],
        border: 127,
      };
      for (const [dx, dy] of [
        [0, 0],
        [-3, 2],
        [7, -4],
        [30, 0],
      ] as const) {
        const shift = { a: 1, b: 0, c: dx, d: 0, e: 1, f: dy };
        const fast = warpToTensor(noisy, shift, spec);
        const general = warpToTensor(noisy, { ...shift, b: 1e-9 }, spec);
        fast.forEach((v, i) => expect(v, `shift ${dx},${dy} [${i}]`).toBeCloseTo(general[i]!, 3));
      }
    },
  );

  it('averages when shrinking, so a 2x2 checkerboard becomes flat grey (no aliasing)', () => {
    const checker = image(8, 8, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const t = warpToTensor(checker, boxToAffine({ x1: 0, y1: 0, x2: 8, y2: 8 }, 4, 4), raw(4, 4, 'gray'));
    for (const v of t) expect(Math.abs(v - 127.5)).toBeLessThanOrEqual(0.5);
  });
});

describe('light and sharpness measures', () => {
  it('reports mean luma and clipped shares', () => {
    const half = image(10, 10, (x) => (x < 5 ? [0, 0, 0] : [255, 255, 255]));
    const s = lumaStats(half, { x1: 0, y1: 0, x2: 10, y2: 10 });
    expect(s.mean).toBeCloseTo(127.5, 1);
    expect(s.dark).toBeCloseTo(0.5, 5);
    expect(s.bright).toBeCloseTo(0.5, 5);
  });

  it('gives zero Laplacian variance for a flat patch and a large one for edges', () => {
    expect(laplacianVariance(new Float32Array(100).fill(80), 10, 10)).toBe(0);
    const stripes = new Float32Array(100).map((_, i) => (i % 2 ? 255 : 0));
    expect(laplacianVariance(stripes, 10, 10)).toBeGreaterThan(1000);
  });
});
