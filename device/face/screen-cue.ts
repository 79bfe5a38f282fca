import type { Box, RgbImage } from './types.js';

/**
 * A screen-replay cue: the moiré of a display filmed by the camera (pure).
 *
 * A display is a grid of pixels; filmed by a camera, itself a grid, the two beat into moiré, and
 * the part of it above the camera's Nyquist frequency folds back as a fine, nearly pure grating
 * over the whole picture (Patel, Han, Jain, "Live face video vs. spoof face video: use of moiré
 * patterns to detect replay video attacks", ICB 2015; Garcia, de Queiroz, "Face-spoofing
 * 2D-detection based on moiré-pattern analysis", IEEE TIFS 2015). Skin has no such grating: its
 * fine detail and the sensor's noise spread their energy over the whole high band, so the
 * spectrum there is flat. The cue is the highest peak of the power spectrum of a 64x64 luma patch
 * at the face centre, in the band 0.3-0.5 cycles/px, over the band's median: 12-61 on camera
 * frames of faces, 214 to thousands through a screen (docs/face.md). Calibrated on frames at the
 * camera's own resolution: a frame scaled after compression (transcoded video, a decode
 * downscale) moves the codec's block grid off its mask and into the band.
 *
 * What it leaves out, on purpose: the 8-pixel grid of JPEG blocks (every MJPEG camera frame has
 * it; its harmonics fall on multiples of 1/8 cycles/px on both axes) and the Nyquist row and
 * column (Bayer demosaicking leaves energy there on fine texture). What it cannot see: moiré
 * whose folded frequency falls below 0.3 cycles/px (a screen held far or at a slant gives
 * coarse fringes, mixed up with the face's own structure), a screen whose pixels are finer than
 * the camera can resolve, and prints (halftone dots would be caught the same way; a photo print
 * has none).
 */

/** Side of the analysed patch in pixels (a power of two for the FFT). */
export const SCREEN_PATCH = 64;
const BAND_LOW = 0.3;
const BAND_HIGH = 0.5;

const twiddles = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos and sin of -2 pi k / n for k < n / 2, computed once per length. */
function twiddlesFor(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddles.get(n);
  if (!t) {
    const angle = (k: number) => (-2 * Math.PI * k) / n;
    t = {
      cos: Float64Array.from({ length: n / 2 }, (_, k) => Math.cos(angle(k))),
      sin: Float64Array.from({ length: n / 2 }, (_, k) => Math.sin(angle(k))),
    };
    twiddles.set(n, t);
  }
  return t;
}

/** In-place radix-2 FFT of one row (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  const tw = twiddlesFor(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const stride = n / len;
    for (let i = 0; i < n; i += len)
      for (let k = 0; k < half; k++) {
        const wr = tw.cos[k * stride] as number;
        const wi = tw.sin[k * stride] as number;
        const a = i + k;
        const b = a + half;
        const vr = (re[b] as number) * wr - (im[b] as number) * wi;
        const vi = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - vr;
        im[b] = (im[a] as number) - vi;
        re[a] = (re[a] as number) + vr;
        im[a] = (im[a] as number) + vi;
      }
  }
}

/** Power spectrum of a square luma patch (side n, row-major), Hann-windowed, mean removed. */
export function powerSpectrum(luma: Float64Array, n: number): Float64Array {
  let mean = 0;
  for (const v of luma) mean += v;
  mean /= luma.length;
  const hann = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++)
      re[y * n + x] = ((luma[y * n + x] as number) - mean) * (hann[x] as number) * (hann[y] as number);
  const rowRe = new Float64Array(n);
  const rowIm = new Float64Array(n);
  const pass = (at: (i: number, k: number) => number) => {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        rowRe[k] = re[at(i, k)] as number;
        rowIm[k] = im[at(i, k)] as number;
      }
      fft(rowRe, rowIm);
      for (let k = 0; k < n; k++) {
        re[at(i, k)] = rowRe[k] as number;
        im[at(i, k)] = rowIm[k] as number;
      }
    }
  };
  pass((y, x) => y * n + x); // rows
  pass((x, y) => y * n + x); // columns
  const power = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) power[i] = (re[i] as number) ** 2 + (im[i] as number) ** 2;
  return power;
}

/** Highest power in the band over its median, without the JPEG grid and the Nyquist lines. */
export function bandPeakRatio(power: Float64Array, n: number): number {
  const grid = n / 8;
  const values: number[] = [];
  let peak = 0;
  // Half the plane: the spectrum of a real image is symmetric.
  // The Hann window spreads a pure tone over its bin and the two beside it: the Nyquist lines go
  // with their neighbours. The grid points go alone: a screen's moiré folded near an axis lands
  // beside one (a camera's own blocks leak only a quarter of their power there).
  const onGrid = (k: number) => k % grid === 0;
  for (let v = 0; v < n; v++)
    for (let u = 0; u <= n / 2; u++) {
      const sv = v <= n / 2 ? v : v - n;
      if (u >= n / 2 - 1 || Math.abs(sv) >= n / 2 - 1) continue;
      if (onGrid(u) && onGrid(sv)) continue;
      const fv = sv / n;
      const r = Math.hypot(u / n, fv);
      if (r < BAND_LOW || r > BAND_HIGH) continue;
      const p = power[v * n + u] as number;
      values.push(p);
      if (p > peak) peak = p;
    }
  values.sort((a, b) => a - b);
  const median = values[values.length >> 1] ?? 0;
  return median > 0 ? peak / median : 0;
}

/**
 * The moiré cue of one frame: the band peak ratio of the 64x64 luma patch at the face box
 * centre (moved inside the image when the face is near an edge). null when the face is too
 * small for the patch to stay on it (box side under 80 px: the quality gates refuse such a
 * face anyway) or the image is smaller than the patch.
 */
export function screenPeak(img: RgbImage, box: Box): number | null {
  const n = SCREEN_PATCH;
  const side = Math.min(box.x2 - box.x1, box.y2 - box.y1);
  if (!Number.isFinite(side) || !Number.isFinite(box.x1 + box.y1)) return null;
  if (side < n / 0.8 || img.width < n || img.height < n) return null;
  const x0 = Math.min(img.width - n, Math.max(0, Math.round((box.x1 + box.x2 - n) / 2)));
  const y0 = Math.min(img.height - n, Math.max(0, Math.round((box.y1 + box.y2 - n) / 2)));
  const luma = new Float64Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const p = ((y0 + y) * img.width + x0 + x) * 3;
      luma[y * n + x] =
        0.299 * (img.data[p] as number) + 0.587 * (img.data[p + 1] as number) + 0.114 * (img.data[p + 2] as number);
    }
  return bandPeakRatio(powerSpectrum(luma, n), n);
}
