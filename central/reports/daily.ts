import { defineOp } from '../ops/op.js';
import type { CentralContext } from '../context.js';
import { dailyRow, followUp, outcomes } from './outcomes.js';
import { DailyInput, DailyReport, UNKNOWN } from './schema.js';
import { checkDate, zone } from './time.js';

/**
 * The expert daily log (专家身份信息日志 + 每日参与项目信息日志): one row per assignment of the
 * day, per expert in order of scheduled sign-in; the rows whose outcome is unknown are listed
 * again in `followUp`.
 */
export async function dailyReport(ctx: Pick<CentralContext, 'db' | 'config'>, date: string): Promise<DailyReport> {
  checkDate(date, '--date');
  const z = zone(ctx.config.packages.timeZone);
  const rows = await outcomes(ctx.db, date, date, { orderBy: 'expert_id, scheduled_sign_in, project_id' });
  return {
    report: 'daily',
    date,
    timeZone: z.timeZone,
    rows: rows.map((r) => dailyRow(r, z)),
    followUp: rows.filter((r) => r.action === UNKNOWN).map((r) => followUp(r, z)),
  };
}

export const reportDailyOp = defineOp({
  name: 'report.daily',
  summary: 'The expert daily log: one row per assignment of the day (plan joined with booth records).',
  method: 'GET',
  url: '/admin/v1/reports/daily',
  input: DailyInput,
  output: DailyReport,
  run: (ctx, input) => dailyReport(ctx, input.date),
});
