import type { CentralContext } from '../context.js';

/**
 * The collection part of `booth-central status`: per booth the ledger head and the pull state;
 * in total what the ledger holds; alerts for booths that keep failing and PDFs flagged.
 */
export interface BoothCollectStatus {
  lastSeq: number;
  lastStoredAt: string | null;
  pullFailures: number;
  pullLastError: string | null;
  pullNextAt: string | null;
  pullLastSuccessAt: string | null;
}

export interface CollectStatus {
  booths: Map<string, BoothCollectStatus>;
  totals: {
    records: number;
    rejected: number;
    sealedPdfsValid: number;
    sealedPdfsFlagged: number;
    pdfsPending: number;
  };
  alerts: string[];
}

/** Consecutive pull failures from which a booth is an alert. */
export const PULL_FAILURE_ALERT = 3;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function collectStatus(ctx: CentralContext): Promise<CollectStatus> {
  const rows = await ctx.db.query<{
    id: string;
    last_seq: number | null;
    updated_at: Date | null;
    failures: number | null;
    last_error: string | null;
    next_at: Date | null;
    last_success_at: Date | null;
  }>(
    `SELECT b.id, h.last_seq, h.updated_at, p.failures, p.last_error, p.next_at, p.last_success_at
       FROM booths b LEFT JOIN chain_heads h ON h.booth_id = b.id LEFT JOIN pull_state p ON p.booth_id = b.id`,
  );
  const totals = await ctx.db.query<{
    records: number;
    rejected: number;
    valid: number;
    flagged: number;
    pending: number;
  }>(
    `SELECT (SELECT coalesce(sum(last_seq), 0) FROM chain_heads)::bigint AS records,
            (SELECT count(*) FROM records WHERE status = 'rejected') AS rejected,
            (SELECT count(*) FROM sealed_pdfs WHERE status = 'valid') AS valid,
            (SELECT count(*) FROM sealed_pdfs WHERE status = 'flagged') AS flagged,
            (SELECT count(*) FROM sign_facts WHERE pdfs_pending) AS pending`,
  );
  const t = totals.rows[0] ?? { records: 0, rejected: 0, valid: 0, flagged: 0, pending: 0 };
  const booths = new Map<string, BoothCollectStatus>();
  const alerts: string[] = [];
  for (const r of rows.rows) {
    booths.set(r.id, {
      lastSeq: r.last_seq ?? 0,
      lastStoredAt: iso(r.updated_at),
      pullFailures: r.failures ?? 0,
      pullLastError: r.last_error,
      pullNextAt: iso(r.next_at),
      pullLastSuccessAt: iso(r.last_success_at),
    });
    if ((r.failures ?? 0) >= PULL_FAILURE_ALERT)
      alerts.push(`booth ${r.id}: ${r.failures} pulls failed in a row (${r.last_error ?? 'no detail'})`);
  }
  if (t.flagged > 0) alerts.push(`${t.flagged} sealed PDF(s) flagged and kept apart in ${ctx.paths.quarantine}`);
  return {
    booths,
    totals: {
      records: t.records,
      rejected: t.rejected,
      sealedPdfsValid: t.valid,
      sealedPdfsFlagged: t.flagged,
      pdfsPending: t.pending,
    },
    alerts,
  };
}
