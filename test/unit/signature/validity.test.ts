import { describe, expect, it } from 'vitest';
import { checkValidity } from '../../../device/signature/validity.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import type { Sample } from '../../../device/signature/model.js';
import { DEVICE, demoSignature, line, signatureOf } from './builders.js';

const rules = signatureSettings().validity;
const judge = (samples: Sample[], r = rules) => {
  const s = signatureOf(samples);
  return checkValidity(s.samples, s.strokes, DEVICE, r);
};
// 60 mm wide, 500 ms, 40 samples: passes every default rule.
const GOOD = () => line({ from: [3000, 5000], to: [9000, 6000], n: 40, ms: 500 });

describe('signature validity rules', () => {
  it('accepts the demo signature and a plain long line', () => {
    const demo = demoSignature();
    expect(checkValidity(demo.samples, demo.strokes, demo.device, rules)).toMatchObject({ valid: true, reasons: [] });
    expect(judge(GOOD()).valid).toBe(true);
  });

  it('no ink: nothing, or only hover', () => {
    expect(judge([]).reasons).toEqual(['no-ink']);
    expect(judge(line({ from: [0, 0], to: [5000, 0], n: 40, ms: 500, tip: false })).reasons).toEqual(['no-ink']);
  });

  it('eraser samples are not ink', () => {
    expect(judge(line({ from: [3000, 5000], to: [9000, 6000], n: 40, ms: 500, eraser: true })).reasons).toEqual([
      'no-ink',
    ]);
  });

  it('a dot: every pen-down sample within about 1 mm', () => {
    const r = judge(line({ from: [5000, 5000], to: [5060, 5040], n: 40, ms: 600 }));
    expect(r.valid).toBe(false);
    expect(r.reasons).toContain('dot');
  });

  it('fewer than 25 pen-down samples', () => {
    expect(judge(line({ from: [3000, 5000], to: [9000, 6000], n: 20, ms: 500 })).reasons).toEqual(['too-few-samples']);
  });

  it('no stroke of 5 or more samples', () => {
    const dashes: Sample[] = [];
    for (let k = 0; k < 10; k++) {
      const x = 3000 + k * 600;
      dashes.push(...line({ from: [x, 5000], to: [x + 300, 5000], n: 4, ms: 60, t0: k * 100 }));
      dashes.push({ ...dashes[dashes.length - 1]!, tip: false, pressure: 0, t: k * 100 + 80 });
    }
    expect(judge(dashes).reasons).toEqual(['no-long-stroke']);
  });

  it('ink shorter than 15 mm', () => {
    expect(judge(line({ from: [3000, 5000], to: [4200, 5000], n: 40, ms: 500 })).reasons).toContain('too-short');
  });

  it('bounding box too small relative to the active area', () => {
    // 20 mm of ink folded into a 5 mm box: long enough, but small on a 262 x 163 mm tablet.
    const zigzag = [0, 1, 2, 3].flatMap((k) =>
      line({ from: [5000, 5000 + k * 100], to: [5500, 5000 + k * 100], n: 10, ms: 150, t0: k * 150 }),
    );
    expect(judge(zigzag).reasons).toEqual(['too-small']);
  });

  it('pen-down time below 300 ms', () => {
    expect(judge(line({ from: [3000, 5000], to: [9000, 6000], n: 40, ms: 200 })).reasons).toEqual(['too-quick']);
  });

  it('no pressure', () => {
    expect(judge(line({ from: [3000, 5000], to: [9000, 6000], n: 40, ms: 500, pressure: 0 })).reasons).toEqual([
      'no-pressure',
    ]);
  });

  it('reports every failing rule, and thresholds come from config', () => {
    const scribble = line({ from: [5000, 5000], to: [5010, 5000], n: 3, ms: 20, pressure: 0 });
    expect(judge(scribble).reasons).toEqual([
      'dot',
      'too-few-samples',
      'no-long-stroke',
      'too-short',
      'too-small',
      'too-quick',
      'no-pressure',
    ]);
    const strict = signatureSettings({ validity: { minSamples: 100 } }).validity;
    expect(judge(GOOD(), strict).reasons).toEqual(['too-few-samples']);
  });

  it('reports the measures it judged', () => {
    const { measures } = judge(GOOD());
    expect(measures.inkSamples).toBe(40);
    expect(measures.penDownMs).toBe(500);
    expect(measures.inkLengthMm).toBeCloseTo(Math.hypot(60, 10), 0);
  });
});
