import type { Column } from './csv.js';
import type { CreditRow, DailyRow, ExpertRef, FollowUp, ProjectRow } from './schema.js';

/**
 * The CSV columns of each report, in their stable order (docs/central.md, "Reports" lists them;
 * a test keeps the two equal). A new column goes at the end: spreadsheets and scripts read by
 * position.
 */
const col = <R>(name: string, value: Column<R>['value']): Column<R> => ({ name, value });

export const DAILY_COLUMNS: readonly Column<DailyRow>[] = [
  col('date', (r) => r.date),
  col('expert_id', (r) => r.expertId),
  col('expert_name', (r) => r.expertName),
  col('project_id', (r) => r.projectId),
  col('project_name', (r) => r.projectName),
  col('section', (r) => r.section),
  col('room', (r) => r.room),
  col('booth', (r) => r.booth),
  col('plan_booth', (r) => r.planBooth),
  col('seat', (r) => r.seat),
  col('scheduled_sign_in', (r) => r.scheduledSignIn),
  col('signed_in_at', (r) => r.signedInAt),
  col('late_minutes', (r) => r.lateMinutes),
  col('late_minutes_reliable', (r) => r.lateMinutesReliable),
  col('clock_synced', (r) => r.clockSynced),
  col('method', (r) => r.method),
  col('action', (r) => r.action),
  col('witness_staff_id', (r) => r.witnessStaffId),
  col('override_staff_id', (r) => r.overrideStaffId),
  col('sign_id', (r) => r.signId),
  col('sign_records', (r) => r.signRecords),
  col('in_plan', (r) => r.inPlan),
  col('note', (r) => r.note),
];

/** Experts in one cell: "E001 张三; E002 李四". */
const experts = (list: readonly ExpertRef[]) => list.map((e) => `${e.expertId} ${e.expertName}`.trim()).join('; ');

export const PROJECT_COLUMNS: readonly Column<ProjectRow>[] = [
  col('date', (r) => r.date),
  col('project_id', (r) => r.projectId),
  col('project_name', (r) => r.projectName),
  col('section', (r) => r.section),
  col('room', (r) => r.room),
  col('booth', (r) => r.booth),
  col('scheduled_start', (r) => r.scheduledStart),
  col('assigned_count', (r) => r.assigned.length),
  col('signed_count', (r) => r.signed.length),
  col('dissented_count', (r) => r.dissented.length),
  col('refused_count', (r) => r.refused.length),
  col('absent_count', (r) => r.absent.length),
  col('unknown_count', (r) => r.unknown.length),
  col('completed_at', (r) => r.completedAt),
  col('assigned', (r) => experts(r.assigned)),
  col('signed', (r) => experts(r.signed)),
  col('dissented', (r) => experts(r.dissented)),
  col('refused', (r) => experts(r.refused)),
  col('absent', (r) => experts(r.absent)),
  col('unknown', (r) => experts(r.unknown)),
  col('in_plan', (r) => r.inPlan),
];

export const CREDIT_COLUMNS: readonly Column<CreditRow>[] = [
  col('expert_id', (r) => r.expertId),
  col('expert_name', (r) => r.expertName),
  col('assigned', (r) => r.assigned),
  col('attended', (r) => r.attended),
  col('signed', (r) => r.signed),
  col('dissent', (r) => r.dissent),
  col('refused', (r) => r.refused),
  col('absent', (r) => r.absent),
  col('unknown', (r) => r.unknown),
  col('late_count', (r) => r.lateCount),
  col('late_minutes', (r) => r.lateMinutes),
  col('late_unsynced_count', (r) => r.lateUnsyncedCount),
  col('late_unsynced_minutes', (r) => r.lateUnsyncedMinutes),
  col('staff_witnessed', (r) => r.staffWitnessed),
  col('overrides', (r) => r.overrides),
  col('failed_attempts', (r) => r.failedAttempts),
  col('locked_out', (r) => r.lockedOut),
  col('unplanned', (r) => r.unplanned),
];

export const FOLLOW_UP_COLUMNS: readonly Column<FollowUp>[] = [
  col('date', (r) => r.date),
  col('expert_id', (r) => r.expertId),
  col('expert_name', (r) => r.expertName),
  col('project_id', (r) => r.projectId),
  col('project_name', (r) => r.projectName),
  col('room', (r) => r.room),
  col('booth', (r) => r.booth),
  col('seat', (r) => r.seat),
  col('scheduled_sign_in', (r) => r.scheduledSignIn),
  col('booth_last_contact_at', (r) => r.boothLastContactAt),
  col('note', (r) => r.note),
];
