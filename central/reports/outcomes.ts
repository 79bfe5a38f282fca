import type { Queryable } from '../db/db.js';
import { UNKNOWN, type Action, type DailyRow, type FollowUp } from './schema.js';
import type { Zone } from './time.js';

/**
 * What became of each assignment: the centre's plan (plan_assignments, plan_projects) joined with
 * the facts the booths reported (sign_facts, no_show_facts: every booth, every package version of
 * the day). The one place the rules live; the three reports read it.
 *
 * - A sign, dissent or refuse record wins over a no-show (the expert came, whichever booth).
 * - Several sign records for one assignment (a staff override re-opens a signed project): the
 *   FIRST says when and how the expert came (sign-in, late minutes, clock, method, booth), the
 *   LAST says what stands (action, sign id, override staff).
 * - A no-show written when the session closed (cause close or expiry) -> absent.
 * - Otherwise -> `unknown: booth did not report`: the booth was off, never closed its session, has
 *   not been collected yet, or its only no-show came from a package version that was replaced or
 *   revoked (that session did not end the day; the next version's booth has not reported).
 * - A sign record the plan does not have (the plan was re-imported after publishing) is kept as a
 *   row with inPlan false: evidence is never dropped from a report.
 *
 * Facts are matched by (date, project, expert): `date` is the package's local date in both.
 * $1 and $2 are the first and last local dates, inclusive.
 */
export const OUTCOMES_CTE = `
sf AS (
  SELECT booth_id, date, project_id, expert_id, seat, action, method, scheduled_sign_in, signed_in_at, late_minutes,
         clock_synced, witness_staff_id, override_staff_id, sign_id, COALESCE(sealed_at, signed_in_at) AS decided_at,
         row_number() OVER w AS pos,
         count(*) OVER (PARTITION BY date, project_id, expert_id) AS n
  FROM sign_facts WHERE date BETWEEN $1::date AND $2::date
  WINDOW w AS (PARTITION BY date, project_id, expert_id
               ORDER BY signed_in_at NULLS LAST, COALESCE(sealed_at, signed_in_at) NULLS LAST, booth_id, seq)
),
s AS (
  -- One sort, one pass: the first record (pos 1) and the last (pos n) of each assignment.
  SELECT date, project_id, expert_id, count(*)::int AS sign_records, count(override_staff_id)::int AS overrides,
         max(seat) FILTER (WHERE pos = 1) AS seat,
         max(scheduled_sign_in) FILTER (WHERE pos = 1) AS scheduled_sign_in,
         max(booth_id) FILTER (WHERE pos = 1) AS sign_booth,
         max(signed_in_at) FILTER (WHERE pos = 1) AS signed_in_at,
         max(late_minutes) FILTER (WHERE pos = 1) AS late_minutes,
         bool_or(clock_synced) FILTER (WHERE pos = 1) AS clock_synced,
         max(method) FILTER (WHERE pos = 1) AS method,
         max(witness_staff_id) FILTER (WHERE pos = 1) AS witness_staff_id,
         max(decided_at) FILTER (WHERE pos = 1) AS decided_at,
         max(action) FILTER (WHERE pos = n) AS action,
         max(sign_id) FILTER (WHERE pos = n) AS sign_id,
         max(override_staff_id) FILTER (WHERE pos = n) AS override_staff_id
  FROM sf GROUP BY date, project_id, expert_id
),
ns AS (
  SELECT date, project_id, expert_id,
         bool_or(cause IN ('close', 'expiry')) AS closed,
         string_agg(DISTINCT cause, ',') AS causes,
         string_agg(DISTINCT booth_id, ',') AS booths
  FROM no_show_facts WHERE date BETWEEN $1::date AND $2::date
  GROUP BY date, project_id, expert_id
),
a AS (
  SELECT date, project_id, expert_id, seat, scheduled_sign_in
  FROM plan_assignments WHERE date BETWEEN $1::date AND $2::date
),
k AS (
  -- Every assignment, and every sign record the plan does not have (in_plan false).
  SELECT COALESCE(a.date, s.date) AS date, COALESCE(a.project_id, s.project_id) AS project_id,
         COALESCE(a.expert_id, s.expert_id) AS expert_id, COALESCE(a.seat, s.seat) AS seat,
         COALESCE(a.scheduled_sign_in, s.scheduled_sign_in) AS scheduled_sign_in, a.expert_id IS NOT NULL AS in_plan,
         s.sign_booth, s.signed_in_at, s.late_minutes, s.clock_synced, s.method, s.witness_staff_id, s.decided_at,
         s.action AS sign_action, s.sign_id, s.override_staff_id, COALESCE(s.sign_records, 0) AS sign_records,
         COALESCE(s.overrides, 0) AS overrides
  FROM a FULL JOIN s ON s.date = a.date AND s.project_id = a.project_id AND s.expert_id = a.expert_id
),
pp AS (
  SELECT date, id, name, section, room, booth_id, scheduled_start
  FROM plan_projects WHERE date BETWEEN $1::date AND $2::date
),
outcomes AS (
  SELECT k.*, e.name AS expert_name, p.name AS project_name, p.section, p.room, p.booth_id AS plan_booth,
         p.scheduled_start, b.last_contact_at AS plan_booth_last_contact,
         ns.causes AS no_show_causes, ns.booths AS no_show_booths,
         CASE WHEN k.sign_action IS NOT NULL THEN k.sign_action WHEN ns.closed THEN 'absent' ELSE '${UNKNOWN}' END
           AS action
  FROM k
  LEFT JOIN pp p ON p.date = k.date AND p.id = k.project_id
  LEFT JOIN experts e ON e.id = k.expert_id
  LEFT JOIN booths b ON b.id = p.booth_id
  LEFT JOIN ns ON ns.date = k.date AND ns.project_id = k.project_id AND ns.expert_id = k.expert_id
)`;

/** One row of `outcomes`, as the drivers return it. */
export interface OutcomeRow {
  date: string;
  project_id: string;
  expert_id: string;
  seat: number;
  scheduled_sign_in: Date | null;
  in_plan: boolean;
  expert_name: string | null;
  project_name: string | null;
  section: string | null;
  room: string | null;
  plan_booth: string | null;
  scheduled_start: Date | null;
  plan_booth_last_contact: Date | null;
  sign_booth: string | null;
  signed_in_at: Date | null;
  late_minutes: number | null;
  clock_synced: boolean | null;
  method: 'face' | 'staff-witness' | null;
  witness_staff_id: string | null;
  decided_at: Date | null;
  sign_id: string | null;
  override_staff_id: string | null;
  sign_records: number;
  overrides: number;
  no_show_causes: string | null;
  no_show_booths: string | null;
  action: Action;
}

/** Every column of `outcomes`; `date` as text (pg would turn a date into a local-midnight Date). */
export const OUTCOME_COLUMNS = `to_char(date, 'YYYY-MM-DD') AS date, project_id, expert_id, seat, scheduled_sign_in,
  in_plan, expert_name, project_name, section, room, plan_booth, scheduled_start, plan_booth_last_contact,
  sign_booth, signed_in_at, late_minutes, clock_synced, method, witness_staff_id, decided_at, sign_id,
  override_staff_id, sign_records, overrides, no_show_causes, no_show_booths, action`;

export async function outcomes(
  q: Queryable,
  from: string,
  to: string,
  o: { where?: string; orderBy: string },
): Promise<OutcomeRow[]> {
  const r = await q.query<OutcomeRow>(
    `WITH ${OUTCOMES_CTE} SELECT ${OUTCOME_COLUMNS} FROM outcomes ${o.where ? `WHERE ${o.where}` : ''} ORDER BY ${o.orderBy}`,
    [from, to],
  );
  return r.rows;
}

/** Why a row reads as it does, for people: joined with "; ". */
function notes(r: OutcomeRow): string {
  const n: string[] = [];
  if (!r.in_plan) n.push('not in the plan (sign record only)');
  if (r.sign_booth && r.plan_booth && r.sign_booth !== r.plan_booth)
    n.push(`came to booth ${r.sign_booth}, not the planned ${r.plan_booth}`);
  if (r.clock_synced === false) n.push('booth clock not synchronised: sign-in time and late minutes unreliable');
  if (r.sign_records > 1)
    n.push(`${r.sign_records} sign records${r.overrides > 0 ? ` (${r.overrides} by staff override)` : ''}`);
  if (r.action === 'absent') n.push(`no-show at session close (booth ${r.no_show_booths ?? '?'})`);
  if (r.action === UNKNOWN)
    n.push(
      r.no_show_causes
        ? `only a no-show from a ${r.no_show_causes} package (booth ${r.no_show_booths ?? '?'}): the final session has not reported`
        : `no record from booth ${r.plan_booth ?? '?'}: switched off, session never closed, or not collected yet`,
    );
  return n.join('; ');
}

export function dailyRow(r: OutcomeRow, z: Zone): DailyRow {
  return {
    date: r.date,
    expertId: r.expert_id,
    expertName: r.expert_name ?? '',
    projectId: r.project_id,
    projectName: r.project_name ?? '',
    section: r.section ?? '',
    room: r.room ?? '',
    booth: r.sign_booth ?? r.plan_booth,
    planBooth: r.plan_booth,
    seat: r.seat,
    scheduledSignIn: z.iso(r.scheduled_sign_in),
    signedInAt: z.iso(r.signed_in_at),
    lateMinutes: r.late_minutes,
    lateMinutesReliable: r.late_minutes === null ? null : r.clock_synced,
    clockSynced: r.clock_synced,
    method: r.method,
    action: r.action,
    witnessStaffId: r.witness_staff_id,
    overrideStaffId: r.override_staff_id,
    signId: r.sign_id,
    signRecords: r.sign_records,
    inPlan: r.in_plan,
    note: notes(r),
  };
}

export function followUp(r: OutcomeRow, z: Zone): FollowUp {
  return {
    date: r.date,
    expertId: r.expert_id,
    expertName: r.expert_name ?? '',
    projectId: r.project_id,
    projectName: r.project_name ?? '',
    room: r.room ?? '',
    booth: r.plan_booth,
    seat: r.seat,
    scheduledSignIn: z.iso(r.scheduled_sign_in),
    boothLastContactAt: z.iso(r.plan_booth_last_contact),
    note: notes(r),
  };
}
