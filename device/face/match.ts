/**
 * Matching rules (pure). Embeddings are L2-normalised, so the cosine similarity is their dot
 * product. A 1:N decision needs the best identity above the threshold AND ahead of the
 * second-best identity by the margin; anything else is "unknown", because a near tie between two
 * roster members is exactly the case where a wrong expert could be let in.
 */

export function l2normalise(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const n = Math.sqrt(s);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError('cannot normalise a zero or non-finite vector');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / n;
  return out;
}

/** Cosine similarity of two vectors (not assumed normalised). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

export interface MatchRule {
  threshold: number;
  margin: number;
}

export interface Candidate {
  identity: string;
  score: number;
}

export type MatchDecision =
  | { kind: 'match'; identity: string; best: Candidate; second: Candidate | null }
  | {
      kind: 'unknown';
      reason: 'empty_gallery' | 'below_threshold' | 'ambiguous';
      best: Candidate | null;
      second: Candidate | null;
    };

/**
 * Best score per identity (an identity may hold several reference templates), sorted best first.
 */
export function rankIdentities(scores: readonly Candidate[]): Candidate[] {
  const best = new Map<string, number>();
  for (const c of scores) best.set(c.identity, Math.max(best.get(c.identity) ?? -Infinity, c.score));
  return [...best].map(([identity, score]) => ({ identity, score })).sort((p, q) => q.score - p.score);
}

/** Applies threshold and margin to scored candidates. */
export function decide(scores: readonly Candidate[], rule: MatchRule): MatchDecision {
  const ranked = rankIdentities(scores);
  const best = ranked[0] ?? null;
  const second = ranked[1] ?? null;
  if (!best) return { kind: 'unknown', reason: 'empty_gallery', best: null, second: null };
  if (!(best.score > rule.threshold)) return { kind: 'unknown', reason: 'below_threshold', best, second };
  if (second && best.score - second.score < rule.margin) return { kind: 'unknown', reason: 'ambiguous', best, second };
  return { kind: 'match', identity: best.identity, best, second };
}

/** 1:1 verification of a claimed identity: only the threshold applies (there is no second). */
export function verify(score: number, rule: MatchRule): boolean {
  return score > rule.threshold;
}
