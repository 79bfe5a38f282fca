import { describe, expect, it } from 'vitest';
import { binnedAngle, classProbability, softmax } from '../../../device/face/heads.js';

describe('model heads', () => {
  it('softmax sums to one and is stable for large logits', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]!);
  });

  it('decodes 66 pose bins of 3 degrees from -99', () => {
    const peak = (bin: number) => Array.from({ length: 66 }, (_, i) => (i === bin ? 50 : 0));
    expect(binnedAngle(peak(33))).toBeCloseTo(0, 6);
    expect(binnedAngle(peak(38))).toBeCloseTo(15, 6);
    expect(binnedAngle(peak(28))).toBeCloseTo(-15, 6);
  });

  it('reads the probability of one class and refuses a missing class', () => {
    expect(classProbability([0, 0], 1)).toBeCloseTo(0.5, 12);
    expect(() => classProbability([0, 0], 2)).toThrow(/out of range/);
  });
});
