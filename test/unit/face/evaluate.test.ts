import { describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import {
  bestThreshold,
  countCorrect,
  parsePairsCsv,
  summarisePairs,
  type ScoredPair,
} from '../../../device/face/evaluate.js';

describe('parsePairsCsv', () => {
  it('reads the deepface pairs format', () => {
    expect(parsePairsCsv('file_x,file_y,Decision\r\na.jpg,b.jpg,Yes\nc.jpg,d.jpg,No\n')).toEqual([
      { x: 'a.jpg', y: 'b.jpg', same: true },
      { x: 'c.jpg', y: 'd.jpg', same: false },
    ]);
  });

  it.each([
    ['a wrong header', 'x,y,z\na,b,Yes'],
    ['a bad decision', 'file_x,file_y,Decision\na.jpg,b.jpg,Maybe'],
    ['a path outside the folder', 'file_x,file_y,Decision\n../a.jpg,b.jpg,Yes'],
    ['a short line', 'file_x,file_y,Decision\na.jpg,Yes'],
  ])('refuses %s with a clear error', (_name, text) => {
    let err: unknown;
    try {
      parsePairsCsv(text);
    } catch (e) {
      err = e;
    }
    expect(isBoothError(err, 'BOOTH_ERR_BAD_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(/expected/);
  });
});

describe('pair scoring', () => {
  const pairs: ScoredPair[] = [
    { x: 'a', y: 'b', same: true, score: 0.8 },
    { x: 'a', y: 'c', same: true, score: 0.5 },
    { x: 'a', y: 'd', same: false, score: 0.3 },
    { x: 'b', y: 'd', same: false, score: 0.1 },
    { x: 'e', y: 'd', same: false, score: null },
  ];

  it('counts a pair correct when "same" agrees with "above threshold"; a pair without a face is wrong', () => {
    expect(countCorrect(pairs, 0.4)).toBe(4);
    expect(countCorrect(pairs, 0.6)).toBe(3);
  });

  it('finds the best threshold in the middle of the widest separating gap', () => {
    expect(bestThreshold(pairs)).toEqual({ threshold: 0.4, correct: 4 });
  });

  it('summarises accuracy and the margin between the classes', () => {
    const s = summarisePairs(pairs, 0.42);
    expect(s).toMatchObject({ pairs: 5, correct: 4, accuracy: 0.8, threshold: 0.42, bestAccuracy: 0.8 });
    expect(s.margin).toBeCloseTo(0.2, 10);
  });
});
