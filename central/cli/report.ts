import { isBoothError } from '../../protocol/errors.js';
import { CREDIT_COLUMNS, DAILY_COLUMNS, FOLLOW_UP_COLUMNS, PROJECT_COLUMNS } from '../reports/columns.js';
import { reportCreditOp } from '../reports/credit.js';
import { toCsv, type Column } from '../reports/csv.js';
import { reportDailyOp } from '../reports/daily.js';
import { reportProjectOp } from '../reports/project.js';
import type { FollowUp } from '../reports/schema.js';
import { checkDate, checkPeriod } from '../reports/time.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';
import { invoke } from './invoke.js';

const options = {
  ...commonOptions,
  date: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string', default: 'csv' },
  'follow-up': { type: 'boolean', default: false },
} as const;

const USAGE = [
  'booth-central report daily --date D [--format csv|json] [--follow-up]',
  '       booth-central report project --date D [--format csv|json] [--follow-up]',
  '       booth-central report credit --from D1 --to D2 [--format csv|json] [--follow-up]',
  '       (dates are local dates in packages.timeZone; common: --config FILE --data-dir DIR)',
].join('\n');

/**
 * `booth-central report daily|project|credit`: prints the report on stdout, CSV (UTF-8 with BOM,
 * RFC 4180) by default or one JSON object (`--format json`, or `--json`). The CSV holds the rows;
 * `--follow-up` prints the rows to follow up (outcome unknown: the booth did not report) as their
 * own CSV instead. JSON carries both (`rows`, `followUp`). When rows need follow-up, a line on
 * stderr says how many. Bad input exits 1 with its code; the report is not printed.
 */
export const reportCommand: CentralCommand = {
  name: 'report',
  summary: 'the expert daily log, project participation, and credit data (CSV or JSON)',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseWith(argv, options, true);
    const [kind, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
    const format = values.json ? 'json' : values.format;
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--format ${format}: expected csv or json`);
    const need = (name: 'date' | 'from' | 'to'): string => {
      const v = values[name];
      if (v === undefined) throw new UsageError(`report ${kind ?? ''} needs --${name}`);
      return v;
    };
    if (kind !== 'daily' && kind !== 'project' && kind !== 'credit')
      throw new UsageError(kind ? `unknown report "${kind}"` : 'which report? daily, project or credit');
    const input = kind === 'credit' ? { from: need('from'), to: need('to') } : { date: need('date') };
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const o = { config: loaded.config, log: commandLogger(loaded.config, 'warn') };
    try {
      // Checked here too, before the database is opened: a typo answers at once, with its code.
      if (kind === 'credit') checkPeriod(need('from'), need('to'));
      else checkDate(need('date'), '--date');
      let rows: { rows: unknown[]; followUp: FollowUp[] };
      let columns: readonly Column<never>[];
      if (kind === 'daily') {
        rows = await invoke(reportDailyOp, input as { date: string }, o);
        columns = DAILY_COLUMNS;
      } else if (kind === 'project') {
        rows = await invoke(reportProjectOp, input as { date: string }, o);
        columns = PROJECT_COLUMNS;
      } else {
        rows = await invoke(reportCreditOp, input as { from: string; to: string }, o);
        columns = CREDIT_COLUMNS;
      }
      if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (values['follow-up']) process.stdout.write(toCsv(FOLLOW_UP_COLUMNS, rows.followUp));
      else process.stdout.write(toCsv(columns, rows.rows as never[]));
      if (rows.followUp.length > 0)
        process.stderr.write(
          `booth-central report ${kind}: ${rows.followUp.length} assignment(s) unknown (booth did not report): follow up${format === 'csv' && !values['follow-up'] ? ' (--follow-up lists them)' : ''}\n`,
        );
      return EXIT.ok;
    } catch (err) {
      if (!isBoothError(err) || err.statusCode >= 500) throw err;
      // Bad input: say so with its code (scripts match on it), print no report.
      if (format === 'json')
        process.stdout.write(
          `${JSON.stringify({ ok: false, code: err.code, message: err.message, details: err.details })}\n`,
        );
      process.stderr.write(`booth-central report ${kind}: ${err.code}: ${err.message}\n`);
      return EXIT.failure;
    }
  },
};
