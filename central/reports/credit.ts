import { defineOp } from '../ops/op.js';
import type { CentralContext } from '../context.js';
import { followUp, OUTCOMES_CTE, type OutcomeRow } from './outcomes.js';
import { CreditInput, CreditReport, UNKNOWN, type CreditRow } from './schema.js';
import { checkPeriod, nextDate, zone } from './time.js';

/**
 * Credit data per expert over a period of local dates, both inclusive: the assignments of the
 * period as the daily log reads them (outcomes.ts), counted per expert, with the failed
 * verification attempts and lockouts of the expert's visits (visit_facts). A visit is in the
 * period by its package date, or, when it has none, by when it started (local midnight to local
 * midnight). Counts are over the plan's assignments; `unplanned` counts sign records the plan
 * does not have. Every unknown row of the period is in `followUp`.
 */
export const PER_EXPERT = `
per AS (
  SELECT expert_id,
    count(*) FILTER (WHERE in_plan)::int AS assigned,
    count(*) FILTER (WHERE in_plan AND sign_records > 0)::int AS attended,
    count(*) FILTER (WHERE in_plan AND action = 'sign')::int AS signed,
    count(*) FILTER (WHERE in_plan AND action = 'dissent')::int AS dissent,
    count(*) FILTER (WHERE in_plan AND action = 'refuse')::int AS refused,
    count(*) FILTER (WHERE in_plan AND action = 'absent')::int AS absent,
    count(*) FILTER (WHERE in_plan AND action = '${UNKNOWN}')::int AS unknown,
    count(*) FILTER (WHERE in_plan AND late_minutes > 0)::int AS late_count,
    COALESCE(sum(late_minutes) FILTER (WHERE in_plan AND late_minutes > 0), 0)::int AS late_minutes,
    count(*) FILTER (WHERE in_plan AND late_minutes > 0 AND NOT clock_synced)::int AS late_unsynced_count,
    COALESCE(sum(late_minutes) FILTER (WHERE in_plan AND late_minutes > 0 AND NOT clock_synced), 0)::int
      AS late_unsynced_minutes,
    count(*) FILTER (WHERE in_plan AND method = 'staff-witness')::int AS staff_witnessed,
    COALESCE(sum(overrides) FILTER (WHERE in_plan), 0)::int AS overrides,
    count(*) FILTER (WHERE NOT in_plan)::int AS unplanned,
    -- The rows to follow up, in the same pass (a second pass over the period doubled the time).
    json_agg(outcomes) FILTER (WHERE action = '${UNKNOWN}') AS unknown_rows
  FROM outcomes GROUP BY expert_id
),
v AS (
  SELECT expert_id, count(*)::int AS visits, COALESCE(sum(attempts), 0)::int AS failed_attempts,
         count(*) FILTER (WHERE outcome = 'locked-out')::int AS locked_out
  FROM visit_facts
  WHERE date BETWEEN $1::date AND $2::date OR (date IS NULL AND started_at >= $3 AND started_at < $4)
  GROUP BY expert_id
)`;

interface Db {
  expert_id: string | null;
  expert_name: string | null;
  assigned: number | null;
  attended: number | null;
  signed: number | null;
  dissent: number | null;
  refused: number | null;
  absent: number | null;
  unknown: number | null;
  late_count: number | null;
  late_minutes: number | null;
  late_unsynced_count: number | null;
  late_unsynced_minutes: number | null;
  staff_witnessed: number | null;
  overrides: number | null;
  unplanned: number | null;
  visits: number | null;
  failed_attempts: number | null;
  locked_out: number | null;
  /** Whole `outcomes` rows as JSON: dates and times arrive as text. */
  unknown_rows: Record<string, unknown>[] | null;
}

const TIMES = ['scheduled_sign_in', 'scheduled_start', 'plan_booth_last_contact', 'signed_in_at', 'decided_at'];

function fromJson(j: Record<string, unknown>): OutcomeRow {
  const row = { ...j };
  for (const k of TIMES) row[k] = typeof row[k] === 'string' ? new Date(row[k]) : null;
  return row as unknown as OutcomeRow;
}

export async function creditReport(
  ctx: Pick<CentralContext, 'db' | 'config'>,
  from: string,
  to: string,
): Promise<CreditReport> {
  checkPeriod(from, to);
  const z = zone(ctx.config.packages.timeZone);
  const params = [from, to, z.startOfDay(from), z.startOfDay(nextDate(to))];
  const r = await ctx.db.query<Db>(
    `WITH ${OUTCOMES_CTE}, ${PER_EXPERT}
     SELECT COALESCE(per.expert_id, v.expert_id) AS expert_id, e.name AS expert_name, per.assigned, per.attended,
            per.signed, per.dissent, per.refused, per.absent, per.unknown, per.late_count, per.late_minutes,
            per.late_unsynced_count, per.late_unsynced_minutes, per.staff_witnessed, per.overrides, per.unplanned,
            per.unknown_rows, v.visits, v.failed_attempts, v.locked_out
     FROM per FULL JOIN v ON v.expert_id = per.expert_id
     LEFT JOIN experts e ON e.id = COALESCE(per.expert_id, v.expert_id)
     ORDER BY COALESCE(per.expert_id, v.expert_id) NULLS LAST`,
    params,
  );
  const n = (x: number | null) => x ?? 0;
  const rows: CreditRow[] = [];
  const unknown: OutcomeRow[] = [];
  let unattributed = { visits: 0, failedAttempts: 0, lockedOut: 0 };
  for (const x of r.rows) {
    if (x.expert_id === null) {
      unattributed = { visits: n(x.visits), failedAttempts: n(x.failed_attempts), lockedOut: n(x.locked_out) };
      continue;
    }
    for (const u of x.unknown_rows ?? []) unknown.push(fromJson(u));
    rows.push({
      expertId: x.expert_id,
      expertName: x.expert_name ?? '',
      assigned: n(x.assigned),
      attended: n(x.attended),
      signed: n(x.signed),
      dissent: n(x.dissent),
      refused: n(x.refused),
      absent: n(x.absent),
      unknown: n(x.unknown),
      lateCount: n(x.late_count),
      lateMinutes: n(x.late_minutes),
      lateUnsyncedCount: n(x.late_unsynced_count),
      lateUnsyncedMinutes: n(x.late_unsynced_minutes),
      staffWitnessed: n(x.staff_witnessed),
      overrides: n(x.overrides),
      failedAttempts: n(x.failed_attempts),
      lockedOut: n(x.locked_out),
      unplanned: n(x.unplanned),
    });
  }
  const time = (d: Date | null) => d?.getTime() ?? Infinity;
  unknown.sort(
    (a, b) =>
      a.date.localeCompare(b.date) ||
      (a.expert_id < b.expert_id ? -1 : a.expert_id > b.expert_id ? 1 : 0) ||
      time(a.scheduled_sign_in) - time(b.scheduled_sign_in) ||
      (a.project_id < b.project_id ? -1 : a.project_id > b.project_id ? 1 : 0),
  );
  return {
    report: 'credit',
    from,
    to,
    timeZone: z.timeZone,
    rows,
    followUp: unknown.map((u) => followUp(u, z)),
    unattributed,
  };
}

export const reportCreditOp = defineOp({
  name: 'report.credit',
  summary: 'Credit data per expert over a period: assigned, attended, late, absent, refused, dissent, failures.',
  method: 'GET',
  url: '/admin/v1/reports/credit',
  input: CreditInput,
  output: CreditReport,
  run: (ctx, input) => creditReport(ctx, input.from, input.to),
});
