import { defineOp } from '../ops/op.js';
import type { CentralContext } from '../context.js';
import { followUp, outcomes, type OutcomeRow } from './outcomes.js';
import { DailyInput, ProjectReport, UNKNOWN, type ExpertRef, type ProjectRow } from './schema.js';
import { checkDate, zone } from './time.js';

/**
 * Project daily participation: per project of the day's plan (in order of scheduled start), who
 * was assigned and what each did, and when the last seat was done. A project is complete once
 * every assigned seat has a sign, dissent or refuse record; its completion time is the latest of
 * those seats' first decisive records (sealing time, else sign-in time). An absent or unknown seat
 * leaves it incomplete (null). Projects that only appear in sign records (not in the plan) follow.
 */
export async function projectReport(ctx: Pick<CentralContext, 'db' | 'config'>, date: string): Promise<ProjectReport> {
  checkDate(date, '--date');
  const z = zone(ctx.config.packages.timeZone);
  const projects = await ctx.db.query<{
    id: string;
    name: string;
    section: string;
    room: string;
    booth_id: string;
    scheduled_start: Date;
  }>(
    'SELECT id, name, section, room, booth_id, scheduled_start FROM plan_projects WHERE date = $1::date ORDER BY scheduled_start, id',
    [date],
  );
  const rows = await outcomes(ctx.db, date, date, { orderBy: 'project_id, seat, expert_id' });
  const byProject = new Map<string, OutcomeRow[]>();
  for (const r of rows) {
    const list = byProject.get(r.project_id);
    if (list) list.push(r);
    else byProject.set(r.project_id, [r]);
  }

  const out: ProjectRow[] = [];
  const build = (
    p: Omit<ProjectRow, 'assigned' | 'signed' | 'dissented' | 'refused' | 'absent' | 'unknown' | 'completedAt'>,
  ) => {
    const seats = byProject.get(p.projectId) ?? [];
    byProject.delete(p.projectId);
    const ref = (r: OutcomeRow): ExpertRef => ({ expertId: r.expert_id, expertName: r.expert_name ?? '' });
    const having = (a: string) => seats.filter((r) => r.action === a).map(ref);
    const planned = seats.filter((r) => r.in_plan);
    const done = planned.length > 0 && planned.every((r) => r.sign_records > 0);
    const times = planned.flatMap((r) => (r.decided_at ? [r.decided_at.getTime()] : []));
    const last = done && times.length > 0 ? Math.max(...times) : null;
    out.push({
      ...p,
      assigned: planned.map(ref),
      signed: having('sign'),
      dissented: having('dissent'),
      refused: having('refuse'),
      absent: having('absent'),
      unknown: having(UNKNOWN),
      completedAt: last === null ? null : z.iso(new Date(last)),
    });
  };
  for (const p of projects.rows)
    build({
      date,
      projectId: p.id,
      projectName: p.name,
      section: p.section,
      room: p.room,
      booth: p.booth_id,
      scheduledStart: z.iso(p.scheduled_start),
      inPlan: true,
    });
  for (const [projectId] of [...byProject])
    build({
      date,
      projectId,
      projectName: '',
      section: '',
      room: '',
      booth: null,
      scheduledStart: null,
      inPlan: false,
    });
  return {
    report: 'project',
    date,
    timeZone: z.timeZone,
    rows: out,
    followUp: rows.filter((r) => r.action === UNKNOWN).map((r) => followUp(r, z)),
  };
}

export const reportProjectOp = defineOp({
  name: 'report.project',
  summary: 'Project daily participation: per project, who was assigned, signed, dissented, refused, was absent.',
  method: 'GET',
  url: '/admin/v1/reports/project',
  input: DailyInput,
  output: ProjectReport,
  run: (ctx, input) => projectReport(ctx, input.date),
});
