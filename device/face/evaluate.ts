import { BoothError } from '../../protocol/errors.js';

/**
 * Pair evaluation (pure): parse a pairs CSV, score accuracy at a threshold, find the best
 * threshold and the margin between the classes. Used by `booth face eval`, its tests and the
 * documentation of the default threshold.
 */

export interface Pair {
  x: string;
  y: string;
  same: boolean;
}

export interface ScoredPair extends Pair {
  /** Cosine similarity, or null when either image had no usable face. */
  score: number | null;
}

export interface PairSummary {
  pairs: number;
  correct: number;
  accuracy: number;
  threshold: number;
  bestThreshold: number;
  bestAccuracy: number;
  /** Lowest same-person score minus highest different-person score (> 0: separable). */
  margin: number;
  lowestSame: number;
  highestDifferent: number;
}

const SAFE_NAME = /^[^/\\\0]+$/;

/** Parses `file_x,file_y,Decision` (Yes/No). File names may not contain path separators. */
export function parsePairsCsv(text: string, source = 'pairs CSV'): Pair[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim());
  if (!header || header.join(',') !== 'file_x,file_y,Decision')
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `${source}: expected the header file_x,file_y,Decision`, {
      line: 1,
    });
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const [x = '', y = '', d = ''] = cells;
    if (cells.length !== 3 || !SAFE_NAME.test(x) || !SAFE_NAME.test(y) || (d !== 'Yes' && d !== 'No'))
      throw new BoothError(
        'BOOTH_ERR_BAD_INPUT',
        `${source} line ${i + 2}: expected two file names and Yes or No, got "${line.slice(0, 80)}"`,
        { line: i + 2 },
      );
    return { x, y, same: d === 'Yes' };
  });
}

/** A pair is correct when "same" equals "score above threshold"; an unscored pair is wrong. */
export function countCorrect(pairs: readonly ScoredPair[], threshold: number): number {
  return pairs.filter((p) => p.score !== null && p.score > threshold === p.same).length;
}

/**
 * The threshold with the highest accuracy; among equally good ones, the middle of the widest
 * gap between neighbouring scores (the most robust choice).
 */
export function bestThreshold(pairs: readonly ScoredPair[]): { threshold: number; correct: number } {
  const scores = [...new Set(pairs.flatMap((p) => (p.score === null ? [] : [p.score])))].sort((a, b) => a - b);
  if (scores.length === 0) return { threshold: 0, correct: 0 };
  const cuts: { t: number; gap: number }[] = [{ t: (scores[0] as number) - 0.01, gap: 0 }];
  for (let i = 1; i < scores.length; i++) {
    const lo = scores[i - 1] as number;
    const hi = scores[i] as number;
    cuts.push({ t: (lo + hi) / 2, gap: hi - lo });
  }
  cuts.push({ t: (scores[scores.length - 1] as number) + 0.01, gap: 0 });
  let best = { threshold: 0, correct: -1, gap: -1 };
  for (const c of cuts) {
    const correct = countCorrect(pairs, c.t);
    if (correct > best.correct || (correct === best.correct && c.gap > best.gap))
      best = { threshold: c.t, correct, gap: c.gap };
  }
  return { threshold: best.threshold, correct: best.correct };
}

export function summarisePairs(pairs: readonly ScoredPair[], threshold: number): PairSummary {
  const same = pairs.flatMap((p) => (p.same && p.score !== null ? [p.score] : []));
  const diff = pairs.flatMap((p) => (!p.same && p.score !== null ? [p.score] : []));
  const lowestSame = same.length ? Math.min(...same) : Number.NaN;
  const highestDifferent = diff.length ? Math.max(...diff) : Number.NaN;
  const correct = countCorrect(pairs, threshold);
  const best = bestThreshold(pairs);
  const n = pairs.length;
  return {
    pairs: n,
    correct,
    accuracy: n ? correct / n : 0,
    threshold,
    bestThreshold: best.threshold,
    bestAccuracy: n ? best.correct / n : 0,
    margin: lowestSame - highestDifferent,
    lowestSame,
    highestDifferent,
  };
}
