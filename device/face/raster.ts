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
 * When the warp shrinks the image, it reads from a 2x box-filtered pyramid level (built once
 * per image and cached) chosen so that at most 1.5x shrink remains for the bilinear sampling:
 * a large face downscaled to 112 px is not aliased, and the cost is one sample per output pixel.
 */
export function warpToTensor(img: RgbImage, map: Affine, spec: TensorSpec, out?: Float32Array): Float32Array {
  const shrink = Math.max(Math.hypot(map.a, map.d), Math.hypot(map.b, map.e));
  let level = 0;
  while (shrink / 2 ** (level + 1) >= 0.75 && level < 8) level++;
  const src = pyramidLevel(img, level);
  const f = 2 ** level;
  // Level pixel u covers source pixels [u*f, (u+1)*f): centre mapping u = (x + 0.5) / f - 0.5.
  const m: Affine = {
    a: map.a / f,
    b: map.b / f,
    c: (map.c + 0.5) / f - 0.5,
    d: map.d / f,
    e: map.e / f,
    f: (map.f + 0.5) / f - 0.5,
  };
  if (isIntegerShift(m)) return copyShifted(src, m.c, m.f, spec, out);
  if (Math.abs(m.b) < 1e-12 && Math.abs(m.d) < 1e-12) return sampleAxisAligned(src, m, spec, out);
  return sample(src, m, spec, out);
}

/**
 * `sample` for crops without rotation (every model input but the aligned face): the source
 * column and row of each output pixel are computed once, which makes it about twice as fast.
 */
function sampleAxisAligned(img: RgbImage, m: Affine, spec: TensorSpec, out?: Float32Array): Float32Array {
  const { width: W, height: H } = spec;
  const gray = spec.channels === 'gray';
  const bgr = spec.channels === 'bgr';
  const tensor = out ?? new Float32Array((gray ? 1 : 3) * W * H);
  const data = img.data;
  const iw = img.width;
  const ih = img.height;
  const plane = W * H;
  const [m0 = 0, m1 = m0, m2 = m0] = spec.mean;
  const [s0 = 1, s1 = s0, s2 = s0] = spec.scale;
  // Per column: the two source columns (clamped; -1 = outside) and the weight of the right one.
  const colA = new Int32Array(W);
  const colB = new Int32Array(W);
  const colW = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const sx = m.a * x + m.c;
    const x0 = Math.floor(sx);
    colW[x] = sx - x0;
    colA[x] = x0 >= 0 && x0 < iw ? x0 * 3 : -1;
    colB[x] = x0 + 1 >= 0 && x0 + 1 < iw ? (x0 + 1) * 3 : -1;
  }
  const border = spec.border;
  const px = (row: number, col: number, ch: number): number =>
    row < 0 || col < 0 ? border : (data[row + col + ch] as number);
  for (let y = 0; y < H; y++) {
    const sy = m.e * y + m.f;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const rowA = y0 >= 0 && y0 < ih ? y0 * iw * 3 : -1;
    const rowB = y0 + 1 >= 0 && y0 + 1 < ih ? (y0 + 1) * iw * 3 : -1;
    for (let x = 0; x < W; x++) {
      const a = colA[x] as number;
      const b = colB[x] as number;
      const fx = colW[x] as number;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      let r: number;
      let g: number;
      let bl: number;
      if (rowA >= 0 && rowB >= 0 && a >= 0 && b >= 0) {
        const p = rowA + a;
        const q = rowB + a;
        const d = b - a;
        r =
          (data[p] as number) * w00 +
          (data[p + d] as number) * w01 +
          (data[q] as number) * w10 +
          (data[q + d] as number) * w11;
        g =
          (data[p + 1] as number) * w00 +
          (data[p + d + 1] as number) * w01 +
          (data[q + 1] as number) * w10 +
          (data[q + d + 1] as number) * w11;
        bl =
          (data[p + 2] as number) * w00 +
          (data[p + d + 2] as number) * w01 +
          (data[q + 2] as number) * w10 +
          (data[q + d + 2] as number) * w11;
      } else {
        r = px(rowA, a, 0) * w00 + px(rowA, b, 0) * w01 + px(rowB, a, 0) * w10 + px(rowB, b, 0) * w11;
        g = px(rowA, a, 1) * w00 + px(rowA, b, 1) * w01 + px(rowB, a, 1) * w10 + px(rowB, b, 1) * w11;
        bl = px(rowA, a, 2) * w00 + px(rowA, b, 2) * w01 + px(rowB, a, 2) * w10 + px(rowB, b, 2) * w11;
      }
      const o = y * W + x;
      if (gray) {
        tensor[o] = (0.299 * r + 0.587 * g + 0.114 * bl - m0) * s0;
      } else {
        tensor[o] = ((bgr ? bl : r) - m0) * s0;
        tensor[plane + o] = (g - m1) * s1;
        tensor[2 * plane + o] = ((bgr ? r : bl) - m2) * s2;
      }
    }
  }
  return tensor;
}

function sample(img: RgbImage, m: Affine, spec: TensorSpec, out?: Float32Array): Float32Array {
  const { width: W, height: H } = spec;
  const gray = spec.channels === 'gray';
  const bgr = spec.channels === 'bgr';
  const tensor = out ?? new Float32Array((gray ? 1 : 3) * W * H);
  const data = img.data;
  const iw = img.width;
  const ih = img.height;
  const border = spec.border;
  const plane = W * H;
  const [m0 = 0, m1 = m0, m2 = m0] = spec.mean;
  const [s0 = 1, s1 = s0, s2 = s0] = spec.scale;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = m.a * x + m.b * y + m.c;
      const sy = m.d * x + m.e * y + m.f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let r = 0;
      let g = 0;
      let b = 0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < iw && y0 + 1 < ih) {
        // Fast path: all four neighbours inside the image.
        const p = (y0 * iw + x0) * 3;
        const q = p + iw * 3;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        r =
          (data[p] as number) * w00 +
          (data[p + 3] as number) * w01 +
          (data[q] as number) * w10 +
          (data[q + 3] as number) * w11;
        g =
          (data[p + 1] as number) * w00 +
          (data[p + 4] as number) * w01 +
          (data[q + 1] as number) * w10 +
          (data[q + 4] as number) * w11;
        b =
          (data[p + 2] as number) * w00 +
          (data[p + 5] as number) * w01 +
          (data[q + 2] as number) * w10 +
          (data[q + 5] as number) * w11;
      } else {
        for (let n = 0; n < 4; n++) {
          const px = x0 + (n & 1);
          const py = y0 + (n >> 1);
          const w = (n & 1 ? fx : 1 - fx) * (n >> 1 ? fy : 1 - fy);
          if (px < 0 || py < 0 || px >= iw || py >= ih) {
            r += border * w;
            g += border * w;
            b += border * w;
          } else {
            const p = (py * iw + px) * 3;
            r += (data[p] as number) * w;
            g += (data[p + 1] as number) * w;
            b += (data[p + 2] as number) * w;
          }
        }
      }
      const o = y * W + x;
      if (gray) {
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

/** True when the map is a whole-pixel translation (a 640x480 frame into the 320x240 detector). */
function isIntegerShift(m: Affine): boolean {
  const eps = 1e-9;
  return (
    Math.abs(m.a - 1) < eps &&
    Math.abs(m.e - 1) < eps &&
    Math.abs(m.b) < eps &&
    Math.abs(m.d) < eps &&
    Math.abs(m.c - Math.round(m.c)) < eps &&
    Math.abs(m.f - Math.round(m.f)) < eps
  );
}

/** The integer-shift case of `sample`, without interpolation. */
function copyShifted(img: RgbImage, cx: number, cy: number, spec: TensorSpec, out?: Float32Array): Float32Array {
  const { width: W, height: H } = spec;
  const gray = spec.channels === 'gray';
  const bgr = spec.channels === 'bgr';
  const tensor = out ?? new Float32Array((gray ? 1 : 3) * W * H);
  const plane = W * H;
  const [m0 = 0, m1 = m0, m2 = m0] = spec.mean;
  const [s0 = 1, s1 = s0, s2 = s0] = spec.scale;
  const ox = Math.round(cx);
  const oy = Math.round(cy);
  const data = img.data;
  // Hot path (the detector input every frame): branches hoisted out of the pixel loop; the
  // columns inside the image are one contiguous run per row, the rest is border.
  const x0 = Math.max(0, Math.min(W, -ox));
  const x1 = Math.max(x0, Math.min(W, img.width - ox));
  const border = spec.border;
  const b0 = gray ? (0.299 * border + 0.587 * border + 0.114 * border - m0) * s0 : (border - m0) * s0;
  const b1 = (border - m1) * s1;
  const b2 = (border - m2) * s2;
  // Byte offsets (within a pixel) of the values that go to channel 0 and channel 2.
  const first = bgr ? 2 : 0;
  const last = bgr ? 0 : 2;
  for (let y = 0; y < H; y++) {
    const sy = y + oy;
    const row = y * W;
    const inside = sy >= 0 && sy < img.height;
    const from = inside ? x0 : W;
    for (let x = 0; x < W; x++) {
      if (x >= from && x < x1) continue;
      const o = row + x;
      tensor[o] = b0;
      if (!gray) {
        tensor[plane + o] = b1;
        tensor[2 * plane + o] = b2;
      }
    }
    if (!inside) continue;
    let p = (sy * img.width + x0 + ox) * 3;
    if (gray) {
      for (let x = x0; x < x1; x++, p += 3)
        tensor[row + x] =
          (0.299 * (data[p] as number) + 0.587 * (data[p + 1] as number) + 0.114 * (data[p + 2] as number) - m0) * s0;
    } else {
      for (let x = x0; x < x1; x++, p += 3) {
        const o = row + x;
        tensor[o] = ((data[p + first] as number) - m0) * s0;
        tensor[plane + o] = ((data[p + 1] as number) - m1) * s1;
        tensor[2 * plane + o] = ((data[p + last] as number) - m2) * s2;
      }
    }
  }
  return tensor;
}

/** Pyramid levels per decoded image (level 0 = the image); dropped with the image. */
const pyramids = new WeakMap<RgbImage, RgbImage[]>();

/** The image halved `level` times by 2x2 box filtering (odd edges replicate). */
export function pyramidLevel(img: RgbImage, level: number): RgbImage {
  let levels = pyramids.get(img);
  if (!levels) {
    levels = [img];
    pyramids.set(img, levels);
  }
  while (levels.length <= level) levels.push(halve(levels[levels.length - 1] as RgbImage));
  return levels[level] as RgbImage;
}

function halve(img: RgbImage): RgbImage {
  const width = Math.max(1, Math.ceil(img.width / 2));
  const height = Math.max(1, Math.ceil(img.height / 2));
  const data = new Uint8Array(width * height * 3);
  const src = img.data;
  const stride = img.width * 3;
  // Whole 2x2 blocks first (no per-pixel edge test in the hot loop); an odd last column repeats itself.
  const full = Math.floor(img.width / 2);
  for (let y = 0; y < height; y++) {
    const row0 = 2 * y * stride;
    const row1 = Math.min(2 * y + 1, img.height - 1) * stride;
    let o = y * width * 3;
    let a = row0;
    let c = row1;
    for (let x = 0; x < full; x++, o += 3, a += 6, c += 6) {
      data[o] = ((src[a] as number) + (src[a + 3] as number) + (src[c] as number) + (src[c + 3] as number) + 2) >> 2;
      data[o + 1] =
        ((src[a + 1] as number) + (src[a + 4] as number) + (src[c + 1] as number) + (src[c + 4] as number) + 2) >> 2;
      data[o + 2] =
        ((src[a + 2] as number) + (src[a + 5] as number) + (src[c + 2] as number) + (src[c + 5] as number) + 2) >> 2;
    }
    if (full < width) {
      for (let k = 0; k < 3; k++) data[o + k] = (2 * (src[a + k] as number) + 2 * (src[c + k] as number) + 2) >> 2;
    }
  }
  return { data, width, height };
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
