import type { Box, RgbImage } from './types.js';

/**
 * Pure pixel operations on in-memory RGB images: every model input is an affine warp of the
 * decoded image into a planar Float32 tensor. Doing this in one routine (instead of a crop,
 * a resize and a colour conversion each allocating an image) keeps the per-frame overhead far
 * below the models' own inference time.
 */

/** Maps a destination pixel (x, y) to source coordinates: sx = a*x + b*y + c, sy = d*x + e*y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export type ChannelOrder = 'rgb' | 'bgr' | 'gray';

/** How pixels become tensor values: value = (pixel - mean[ch]) * scale[ch], planar (NCHW). */
export interface TensorSpec {
  width: number;
  height: number;
  channels: ChannelOrder;
  mean: readonly number[];
  scale: readonly number[];
  /** 0-255 value used where the warp reads outside the image. */
  border: number;
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (Math.abs(det) < 1e-12) throw new RangeError('affine transform is not invertible');
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** The affine that maps the destination rectangle (w x h) onto a source box (plain crop + resize). */
export function boxToAffine(box: Box, width: number, height: number): Affine {
  const sx = (box.x2 - box.x1) / width;
  const sy = (box.y2 - box.y1) / height;
  // Pixel centres: destination x + 0.5 maps to box.x1 + (x + 0.5) * sx, source centre is - 0.5.
  return { a: sx, b: 0, c: box.x1 + 0.5 * sx - 0.5, d: 0, e: sy, f: box.y1 + 0.5 * sy - 0.5 };
}

/**
 * Samples the image through `map` (destination -> source) into a planar Float32 tensor.
 * When the warp shrinks the image, each output pixel averages k x k bilinear samples (k = the
 * shrink factor, at most 8) so a large face downscaled to 112 px is not aliased.
 */
export function warpToTensor(img: RgbImage, map: Affine, spec: TensorSpec, out?: Float32Array): Float32Array {
  const { width: W, height: H } = spec;
  const planes = spec.channels === 'gray' ? 1 : 3;
  const tensor = out ?? new Float32Array(planes * W * H);
  const shrink = Math.max(Math.hypot(map.a, map.d), Math.hypot(map.b, map.e));
  const k = Math.min(8, Math.max(1, Math.ceil(shrink - 1e-6)));
  const src = img.data;
  const iw = img.width;
  const ih = img.height;
  const plane = W * H;
  const inv = 1 / (k * k);
  const rgb = [0, 0, 0];
  const [m0 = 0, m1 = m0, m2 = m0] = spec.mean;
  const [s0 = 1, s1 = s0, s2 = s0] = spec.scale;
  const bgr = spec.channels === 'bgr';
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let j = 0; j < k; j++) {
        const dy = y + (j + 0.5) / k - 0.5;
        for (let i = 0; i < k; i++) {
          const dx = x + (i + 0.5) / k - 0.5;
          const sx = map.a * dx + map.b * dy + map.c;
          const sy = map.d * dx + map.e * dy + map.f;
          sampleBilinear(src, iw, ih, sx, sy, spec.border, rgb);
        }
      }
      const o = y * W + x;
      const r = (rgb[0] as number) * inv;
      const g = (rgb[1] as number) * inv;
      const b = (rgb[2] as number) * inv;
      if (planes === 1) {
        tensor[o] = (0.299 * r + 0.587 * g + 0.114 * b - m0) * s0;
      } else {
        tensor[o] = ((bgr ? b : r) - m0) * s0;
        tensor[plane + o] = (g - m1) * s1;
        tensor[2 * plane + o] = ((bgr ? r : b) - m2) * s2;
      }
    }
  }
  return tensor;
}

/** Adds the bilinear RGB value at (sx, sy) to acc; outside the image reads `border`. */
function sampleBilinear(
  src: Uint8Array,
  iw: number,
  ih: number,
  sx: number,
  sy: number,
  border: number,
  acc: number[],
): void {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  for (let q = 0; q < 4; q++) {
    const px = x0 + (q & 1);
    const py = y0 + (q >> 1);
    const w = (q & 1 ? fx : 1 - fx) * (q >> 1 ? fy : 1 - fy);
    if (w === 0) continue;
    if (px < 0 || py < 0 || px >= iw || py >= ih) {
      acc[0] = (acc[0] as number) + border * w;
      acc[1] = (acc[1] as number) + border * w;
      acc[2] = (acc[2] as number) + border * w;
      continue;
    }
    const p = (py * iw + px) * 3;
    acc[0] = (acc[0] as number) + (src[p] as number) * w;
    acc[1] = (acc[1] as number) + (src[p + 1] as number) * w;
    acc[2] = (acc[2] as number) + (src[p + 2] as number) * w;
  }
}

/** Mean luma (0-255) and the share of clipped pixels inside a box: inputs of the light gates. */
export function lumaStats(img: RgbImage, box: Box): { mean: number; dark: number; bright: number } {
  const x1 = Math.max(0, Math.floor(box.x1));
  const y1 = Math.max(0, Math.floor(box.y1));
  const x2 = Math.min(img.width, Math.ceil(box.x2));
  const y2 = Math.min(img.height, Math.ceil(box.y2));
  const step = Math.max(1, Math.floor(Math.min(x2 - x1, y2 - y1) / 64));
  let sum = 0;
  let n = 0;
  let dark = 0;
  let bright = 0;
  for (let y = y1; y < y2; y += step) {
    for (let x = x1; x < x2; x += step) {
      const p = (y * img.width + x) * 3;
      const l =
        0.299 * (img.data[p] as number) + 0.587 * (img.data[p + 1] as number) + 0.114 * (img.data[p + 2] as number);
      sum += l;
      n++;
      if (l < 20) dark++;
      if (l > 245) bright++;
    }
  }
  return n === 0 ? { mean: 0, dark: 0, bright: 0 } : { mean: sum / n, dark: dark / n, bright: bright / n };
}

/**
 * Sharpness of a planar gray patch: variance of the 4-neighbour Laplacian. A blurred face has
 * little high-frequency energy; measured on the fixed-size aligned face so the number does not
 * depend on how large the face is in the frame.
 */
export function laplacianVariance(gray: Float32Array, width: number, height: number): number {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const o = y * width + x;
      const v =
        4 * (gray[o] as number) -
        (gray[o - 1] as number) -
        (gray[o + 1] as number) -
        (gray[o - width] as number) -
        (gray[o + width] as number);
      sum += v;
      sq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sq / n - mean * mean;
}
