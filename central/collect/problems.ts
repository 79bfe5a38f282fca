import type { Queryable } from '../db/db.js';
import { storable } from '../db/nul.js';

/**
 * Problems for the operators (`booth-central status`): a refused batch, a rejected record, a
 * flagged sealed PDF, a booth that cannot be pulled. A booth retries a refused batch with
 * backoff: the same problem (booth, seq, kind) is recorded once while it is open.
 */
export type ProblemKind =
  | 'batch-refused'
  | 'foreign-batch'
  | 'revoked-booth'
  | 'unknown-certificate'
  | 'chain-conflict'
  | 'record-rejected'
  | 'sealed-pdf'
  | 'pull-failed';

export interface Problem {
  boothId: string | null;
  seq: number | null;
  kind: ProblemKind;
  detail: string;
}

export async function recordProblem(q: Queryable, p: Problem): Promise<void> {
  await q.query(
    `INSERT INTO problems (booth_id, seq, kind, detail)
     SELECT $1::text, $2::bigint, $3::text, $4::text
      WHERE NOT EXISTS (SELECT 1 FROM problems WHERE resolved_at IS NULL AND kind = $3
                          AND booth_id IS NOT DISTINCT FROM $1 AND seq IS NOT DISTINCT FROM $2)`,
    [p.boothId, p.seq, p.kind, storable(p.detail.slice(0, 2000))],
  );
}

/** Several at once (rejected records of one batch), in the caller's transaction. */
export async function recordProblems(q: Queryable, list: readonly Problem[]): Promise<void> {
  if (list.length === 0) return;
  await q.query(
    `INSERT INTO problems (booth_id, seq, kind, detail)
     SELECT u.booth_id, u.seq, u.kind, u.detail
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(booth_id, seq, kind, detail)
      WHERE NOT EXISTS (SELECT 1 FROM problems p WHERE p.resolved_at IS NULL AND p.kind = u.kind
                          AND p.booth_id IS NOT DISTINCT FROM u.booth_id AND p.seq IS NOT DISTINCT FROM u.seq)`,
    [
      list.map((p) => p.boothId),
      list.map((p) => p.seq),
      list.map((p) => p.kind),
      list.map((p) => storable(p.detail.slice(0, 2000))),
    ],
  );
}
