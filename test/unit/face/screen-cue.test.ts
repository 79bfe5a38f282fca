import { describe, expect, it } from 'vitest';
import { bandPeakRatio, powerSpectrum, screenPeak, SCREEN_PATCH } from '../../../device/face/screen-cue.js';
import { seeded } from '../../../bench/liveness-scenes.js';

const N = SCREEN_PATCH;

/** A 64x64 luma patch: mid-grey with sensor-like noise (sigma 3) plus `extra(x, y)`. */
function patch(extra: (x: number, y: number) => number = () => 0, seed = 1): Float64Array {
  const r = seeded(seed);
  const out = new Float64Array(N * N);
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      const g = Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
      out[y * N + x] = 128 + 3 * g + extra(x, y);
    }
  return out;
}
const ratio = (p: Float64Array) => bandPeakRatio(powerSpectrum(p, N), N);

describe('screen cue (moiré peak)', () => {
  it('is low on noise alone (a flat high band) for any seed', () => {
    for (let seed = 1; seed <= 10; seed++) expect(ratio(patch(undefined, seed))).toBeLessThan(40);
  });

  it('is high for a fine grating of a few grey levels, the folded moiré of a filmed screen', () => {
    const grating = (fx: number, fy: number, a: number) => (x: number, y: number) =>
      a * Math.sin(2 * Math.PI * (fx * x + fy * y));
    expect(ratio(patch(grating(0.375, 0.03, 4)))).toBeGreaterThan(150);
    expect(ratio(patch(grating(0.33, -0.2, 3)))).toBeGreaterThan(150);
    // Below the band (coarse fringes mix with the face's own structure): not this cue's job.
    expect(ratio(patch(grating(0.1, 0.05, 4)))).toBeLessThan(40);
  });

  it('leaves out the 8-pixel JPEG block grid and the Nyquist lines of demosaicking', () => {
    const blockEdges = (x: number, y: number) => (x % 8 === 7 ? 4 : 0) + (y % 8 === 7 ? 4 : 0);
    expect(ratio(patch(blockEdges))).toBeLessThan(40);
    const columns = (x: number) => (x % 2 ? 4 : -4);
    expect(ratio(patch(columns))).toBeLessThan(40);
  });

  it('measures the patch at the face centre, and nothing for a face too small to hold it', () => {
    const width = 320;
    const height = 240;
    const data = new Uint8Array(width * height * 3);
    const r = seeded(5);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        // Moiré only inside the "face" at (100..220, 60..180).
        const inFace = x >= 100 && x < 220 && y >= 60 && y < 180;
        const v = 128 + 3 * (r() - 0.5) + (inFace ? 5 * Math.sin(2 * Math.PI * 0.4 * x) : 0);
        data.fill(Math.round(v), (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    const img = { data, width, height };
    expect(screenPeak(img, { x1: 100, y1: 60, x2: 220, y2: 180 })).toBeGreaterThan(150);
    expect(screenPeak(img, { x1: 0, y1: 0, x2: 90, y2: 90 })).toBeLessThan(40);
    expect(screenPeak(img, { x1: 100, y1: 60, x2: 170, y2: 130 })).toBeNull();
  });
});
