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
  SELECT booth_id, seq, date, project_id, expert_id, seat, action, method, scheduled_sign_in, signed_in_at,
         late_minutes, clock_synced, witness_staff_id, override_staff_id, sign_id,
         COALESCE(sealed_at, signed_in_at) AS decided_at
  FROM sign_facts WHERE date BETWEEN $1::date AND $2::date
),
first_sf AS (
  SELECT DISTINCT ON (date, project_id, expert_id) * FROM sf
  ORDER BY date, project_id, expert_id, signed_in_at NULLS LAST, decided_at NULLS LAST, booth_id, seq
),
last_sf AS (
  SELECT DISTINCT ON (date, project_id, expert_id) date, project_id, expert_id, action, sign_id, override_staff_id
  FROM sf
  ORDER BY date, project_id, expert_id, decided_at DESC NULLS LAST, signed_in_at DESC NULLS LAST, booth_id DESC, seq DESC
),
agg_sf AS (
  SELECT date, project_id, expert_id, count(*)::int AS sign_records, count(override_staff_id)::int AS overrides
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
k AS (
  SELECT date, project_id, expert_id, seat, scheduled_sign_in, true AS in_plan
  FROM plan_assignments WHERE date BETWEEN $1::date AND $2::date
  UNION ALL
  SELECT f.date, f.project_id, f.expert_id, f.seat, f.scheduled_sign_in, false
  FROM first_sf f
  WHERE NOT EXISTS (
    SELECT 1 FROM plan_assignments a WHERE a.date = f.date AND a.project_id = f.project_id AND a.expert_id = f.expert_id
  )
),
outcomes AS (
  SELECT k.date, k.project_id, k.expert_id, k.seat, k.scheduled_sign_in, k.in_plan,
         e.name AS expert_name, p.name AS project_name, p.section, p.room, p.booth_id AS plan_booth,
         p.scheduled_start, b.last_contact_at AS plan_booth_last_contact,
         f.booth_id AS sign_booth, f.signed_in_at, f.late_minutes, f.clock_synced, f.method, f.witness_staff_id,
         f.decided_at, l.sign_id, l.override_staff_id, COALESCE(g.sign_records, 0) AS sign_records,
         COALESCE(g.overrides, 0) AS overrides, ns.causes AS no_show_causes, ns.booths AS no_show_booths,
         CASE WHEN l.action IS NOT NULL THEN l.action WHEN ns.closed THEN 'absent' ELSE '${UNKNOWN}' END AS action
  FROM k
  LEFT JOIN plan_projects p ON p.date = k.date AND p.id = k.project_id
  LEFT JOIN experts e ON e.id = k.expert_id
  LEFT JOIN booths b ON b.id = p.booth_id
  LEFT JOIN first_sf f ON f.date = k.date AND f.project_id = k.project_id AND f.expert_id = k.expert_id
  LEFT JOIN last_sf l ON l.date = k.date AND l.project_id = k.project_id AND l.expert_id = k.expert_id
  LEFT JOIN agg_sf g ON g.date = k.date AND g.project_id = k.project_id AND g.expert_id = k.expert_id
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
