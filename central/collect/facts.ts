import type { NoShowPayload, SignPayload, VisitPayload } from '../../protocol/records/payloads.js';
import type { CommittedRecord } from '../../protocol/records/types.js';
import type { Queryable } from '../db/db.js';

/**
 * The facts the reports read (sign_facts, no_show_facts, visit_facts), one row per stored
 * record, written in the transaction that stores the records: the reports never see a record
 * without its fact or the other way round. Rows are gathered as columns and inserted with one
 * `unnest` statement per table (the same SQL on PostgreSQL and PGlite).
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

const col = <T, V>(rows: readonly T[], f: (x: T) => V): V[] => rows.map(f);

function sealedAt(r: CommittedRecord, p: SignPayload): string {
  const times = (p as { times?: { sealedAt?: unknown } }).times;
  return typeof times?.sealedAt === 'string' ? times.sealedAt : new Date(r.time.wall).toISOString();
}

export async function insertFacts(q: Queryable, boothId: string, f: FactRows): Promise<void> {
  if (f.sign.length > 0) {
    const s = f.sign;
    await q.query(
      `INSERT INTO sign_facts (booth_id, seq, date, package_id, package_version, sign_id, expert_id, project_id,
         seat, action, method, scheduled_sign_in, signed_in_at, late_minutes, clock_synced, witness_staff_id,
         override_staff_id, documents, sealed_at, pdfs_pending)
       SELECT $1, u.seq, u.date::date, u.package_id, u.package_version, u.sign_id, u.expert_id, u.project_id,
         u.seat, u.action, u.method, u.scheduled::timestamptz, u.signed_in::timestamptz, u.late, u.synced,
         u.witness, u.override, u.documents::jsonb, u.sealed::timestamptz, u.pending
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::text[],
         $9::integer[], $10::text[], $11::text[], $12::text[], $13::text[], $14::integer[], $15::boolean[],
         $16::text[], $17::text[], $18::text[], $19::text[], $20::boolean[])
         AS u(seq, date, package_id, package_version, sign_id, expert_id, project_id, seat, action, method,
              scheduled, signed_in, late, synced, witness, override, documents, sealed, pending)`,
      [
        boothId,
        col(s, (x) => x.r.seq),
        col(s, (x) => x.date),
        col(s, (x) => x.p.packageId),
        col(s, (x) => x.p.packageVersion),
        col(s, (x) => x.p.signId),
        col(s, (x) => x.p.expertId),
        col(s, (x) => x.p.projectId),
        col(s, (x) => x.p.seat),
        col(s, (x) => x.p.action),
        col(s, (x) => x.p.method),
        col(s, (x) => x.p.scheduledSignIn),
        col(s, (x) => x.p.signedInAt),
        col(s, (x) => x.p.lateMinutes),
        col(s, (x) => x.r.time.synced),
        col(s, (x) => x.p.witnessStaffId),
        col(s, (x) => x.p.override?.staffId ?? null),
        col(s, (x) => JSON.stringify(x.p.documents)),
        col(s, (x) => sealedAt(x.r, x.p)),
        col(s, (x) => x.pdfsPending),
      ],
    );
  }
  if (f.noShow.length > 0) {
    const n = f.noShow;
    await q.query(
      `INSERT INTO no_show_facts (booth_id, seq, date, package_id, package_version, expert_id, project_id, seat,
         cause, closed_at)
       SELECT $1, u.seq, u.date::date, u.package_id, u.package_version, u.expert_id, u.project_id, u.seat,
         u.cause, u.closed_at::timestamptz
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::integer[],
         $9::text[], $10::text[])
         AS u(seq, date, package_id, package_version, expert_id, project_id, seat, cause, closed_at)`,
      [
        boothId,
        col(n, (x) => x.r.seq),
        col(n, (x) => x.date),
        col(n, (x) => x.p.packageId),
        col(n, (x) => x.p.packageVersion),
        col(n, (x) => x.p.expertId),
        col(n, (x) => x.p.projectId),
        col(n, (x) => x.p.seat),
        col(n, (x) => x.p.cause),
        col(n, (x) => x.p.closedAt),
      ],
    );
  }
  if (f.visit.length > 0) {
    const v = f.visit;
    await q.query(
      `INSERT INTO visit_facts (booth_id, seq, date, package_id, expert_id, project_id, outcome, method, attempts,
         started_at, left_at)
       SELECT $1, u.seq, u.date::date, u.package_id, u.expert_id, u.project_id, u.outcome, u.method, u.attempts,
         u.started_at::timestamptz, u.left_at::timestamptz
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::integer[], $10::text[], $11::text[])
         AS u(seq, date, package_id, expert_id, project_id, outcome, method, attempts, started_at, left_at)`,
      [
        boothId,
        col(v, (x) => x.r.seq),
        col(v, (x) => x.date),
        col(v, (x) => x.p.packageId),
        col(v, (x) => x.p.expertId),
        col(v, (x) => x.p.projectId),
        col(v, (x) => x.p.outcome),
        col(v, (x) => x.p.method),
        col(v, (x) => x.p.attempts),
        col(v, (x) => x.p.startedAt),
        col(v, (x) => x.p.leftAt),
      ],
    );
  }
}
