import type { NoShowPayload, SignPayload, VisitPayload } from '../../protocol/records/payloads.js';
import type { CommittedRecord } from '../../protocol/records/types.js';
import type { Queryable } from '../db/db.js';
import { jsonParam } from '../db/nul.js';

/**
 * The facts the reports read (sign_facts, no_show_facts, visit_facts), one row per stored
 * record, written in the transaction that stores the records: the reports never see a record
 * without its fact or the other way round. Each table's rows go in one statement.
 */
export interface SignFact {
  r: CommittedRecord;
  p: SignPayload;
  date: string;
  pdfsPending: boolean;
}
export interface NoShowFact {
  r: CommittedRecord;
  p: NoShowPayload;
  date: string;
}
export interface VisitFact {
  r: CommittedRecord;
  p: VisitPayload;
  date: string | null;
}

export class FactRows {
  sign: SignFact[] = [];
  noShow: NoShowFact[] = [];
  visit: VisitFact[] = [];

  get size(): number {
    return this.sign.length + this.noShow.length + this.visit.length;
  }
}

function sealedAt(r: CommittedRecord, p: SignPayload): string {
  const times = (p as { times?: { sealedAt?: unknown } }).times;
  return typeof times?.sealedAt === 'string' ? times.sealedAt : new Date(r.time.wall).toISOString();
}

/** Rows as one JSON array parameter (see insertRecords in ingest.ts for why not `unnest`). */
const rowsParam = <T>(rows: readonly T[], f: (x: T) => unknown[]) => jsonParam(rows.map(f));

export async function insertFacts(q: Queryable, boothId: string, f: FactRows): Promise<void> {
  if (f.sign.length > 0)
    await q.query(
      `INSERT INTO sign_facts (booth_id, seq, date, package_id, package_version, sign_id, expert_id, project_id,
         seat, action, method, scheduled_sign_in, signed_in_at, late_minutes, clock_synced, witness_staff_id,
         override_staff_id, documents, sealed_at, pdfs_pending)
       SELECT $1, (e->>0)::bigint, (e->>1)::date, e->>2, (e->>3)::integer, e->>4, e->>5, e->>6, (e->>7)::integer,
         e->>8, e->>9, (e->>10)::timestamptz, (e->>11)::timestamptz, (e->>12)::integer, (e->>13)::boolean, e->>14,
         e->>15, e->16, (e->>17)::timestamptz, (e->>18)::boolean
       FROM jsonb_array_elements($2::jsonb) AS e`,
      [
        boothId,
        rowsParam(f.sign, (x) => [
          x.r.seq,
          x.date,
          x.p.packageId,
          x.p.packageVersion,
          x.p.signId,
          x.p.expertId,
          x.p.projectId,
          x.p.seat,
          x.p.action,
          x.p.method,
          x.p.scheduledSignIn,
          x.p.signedInAt,
          x.p.lateMinutes,
          x.r.time.synced,
          x.p.witnessStaffId,
          x.p.override?.staffId ?? null,
          x.p.documents,
          sealedAt(x.r, x.p),
          x.pdfsPending,
        ]),
      ],
    );
  if (f.noShow.length > 0)
    await q.query(
      `INSERT INTO no_show_facts (booth_id, seq, date, package_id, package_version, expert_id, project_id, seat,
         cause, closed_at)
       SELECT $1, (e->>0)::bigint, (e->>1)::date, e->>2, (e->>3)::integer, e->>4, e->>5, (e->>6)::integer, e->>7,
         (e->>8)::timestamptz
       FROM jsonb_array_elements($2::jsonb) AS e`,
      [
        boothId,
        rowsParam(f.noShow, (x) => [
          x.r.seq,
          x.date,
          x.p.packageId,
          x.p.packageVersion,
          x.p.expertId,
          x.p.projectId,
          x.p.seat,
          x.p.cause,
          x.p.closedAt,
        ]),
      ],
    );
  if (f.visit.length > 0)
    await q.query(
      `INSERT INTO visit_facts (booth_id, seq, date, package_id, expert_id, project_id, outcome, method, attempts,
         started_at, left_at)
       SELECT $1, (e->>0)::bigint, (e->>1)::date, e->>2, e->>3, e->>4, e->>5, e->>6, (e->>7)::integer,
         (e->>8)::timestamptz, (e->>9)::timestamptz
       FROM jsonb_array_elements($2::jsonb) AS e`,
      [
        boothId,
        rowsParam(f.visit, (x) => [
          x.r.seq,
          x.date,
          x.p.packageId,
          x.p.expertId,
          x.p.projectId,
          x.p.outcome,
          x.p.method,
          x.p.attempts,
          x.p.startedAt,
          x.p.leftAt,
        ]),
      ],
    );
}
