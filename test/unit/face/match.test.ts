import { describe, expect, it } from 'vitest';
import { cosine, decide, l2normalise, rankIdentities, verify } from '../../../device/face/match.js';

const rule = { threshold: 0.42, margin: 0.05 };

describe('cosine and normalisation', () => {
  it('gives 1 for parallel, 0 for orthogonal and -1 for opposite vectors', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 5])).toBe(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
  });

  it('is symmetric and does not change its inputs (unlike the source package matchFeature)', () => {
    const a = [0.3, -0.2, 0.9];
    const b = [0.1, 0.4, 0.5];
    expect(cosine(a, b)).toBeCloseTo(cosine(b, a), 15);
    expect(a).toEqual([0.3, -0.2, 0.9]);
  });

  it('normalises to unit length and refuses a zero vector', () => {
    const v = l2normalise([3, 4]);
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(() => l2normalise([0, 0])).toThrow(/zero/);
    expect(() => cosine([1], [1, 2])).toThrow(/lengths differ/);
  });
});

describe('1:N decision with threshold and margin', () => {
  it('matches the best identity when above threshold and clear of the second', () => {
    const d = decide(
      [
        { identity: 'li', score: 0.71 },
        { identity: 'wang', score: 0.2 },
      ],
      rule,
    );
    expect(d).toMatchObject({ kind: 'match', identity: 'li', second: { identity: 'wang', score: 0.2 } });
  });

  it('says unknown below the threshold, even with a clear margin', () => {
    const d = decide(
      [
        { identity: 'li', score: 0.42 },
        { identity: 'wang', score: 0.1 },
      ],
      rule,
    );
    expect(d).toMatchObject({ kind: 'unknown', reason: 'below_threshold', best: { identity: 'li' } });
  });

  it('says unknown when two identities are too close (ambiguous)', () => {
    const d = decide(
      [
        { identity: 'li', score: 0.7 },
        { identity: 'wang', score: 0.66 },
      ],
      rule,
    );
    expect(d).toMatchObject({ kind: 'unknown', reason: 'ambiguous' });
  });

  it('compares identities, not templates: two photos of one person do not make it ambiguous', () => {
    const scores = [
      { identity: 'li', score: 0.7 },
      { identity: 'li', score: 0.69 },
      { identity: 'wang', score: 0.3 },
    ];
    expect(rankIdentities(scores)).toEqual([
      { identity: 'li', score: 0.7 },
      { identity: 'wang', score: 0.3 },
    ]);
    expect(decide(scores, rule)).toMatchObject({ kind: 'match', identity: 'li' });
  });

  it('matches a single-identity roster on the threshold alone', () => {
    expect(decide([{ identity: 'li', score: 0.5 }], rule)).toMatchObject({ kind: 'match', second: null });
  });

  it('says unknown for an empty roster', () => {
    expect(decide([], rule)).toEqual({ kind: 'unknown', reason: 'empty_gallery', best: null, second: null });
  });

  it('verifies 1:1 strictly above the threshold', () => {
    expect(verify(0.43, rule)).toBe(true);
    expect(verify(0.42, rule)).toBe(false);
  });
});
