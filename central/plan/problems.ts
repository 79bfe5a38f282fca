import { BoothError } from '../../protocol/errors.js';
import { PLAN_TABLES } from './schema.js';

/**
 * What is wrong with a plan, each problem where the operator will look: the file, the row (the
 * spreadsheet row of a CSV file, the header being row 1; the array index in a JSON document) and
 * the field. A plan is imported only when there is none; otherwise every problem is reported at
 * once (BOOTH_ERR_PLAN_INVALID, details.problems) and nothing is stored.
 */
export interface PlanProblem {
  /** `experts.csv`, `plan.json`... */
  file: string;
  /** The table of the row (null: the file as a whole). */
  table: string | null;
  /** CSV: spreadsheet row (header = 1). JSON: the element's index. Null: the file as a whole. */
  row: number | null;
  field: string | null;
  message: string;
  /** The whole line: `assignments.csv row 7, field seat: expected an integer 1-99, got "x"`. */
  text: string;
}

/** Where a table's rows are, for messages. */
export interface RowLocator {
  file(table: string): string;
  /** `experts.csv row 4` / `plan.json experts[2]` */
  at(table: string, index: number): { file: string; row: number; label: string };
}

export class PlanProblems {
  readonly list: PlanProblem[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly locate: RowLocator) {}

  /** A problem with one row of a table (index = position in the table's array). */
  row(table: string, index: number, field: string | null, message: string): void {
    const at = this.locate.at(table, index);
    this.push(at.file, table, at.row, at.label, field, message);
  }

  /** A problem with a file as a whole (a missing column, a file that is not UTF-8). */
  file(file: string, message: string, field: string | null = null): void {
    this.push(file, null, null, file, field, message);
  }

  warn(text: string): void {
    this.warnings.push(text);
  }

  /** `rooms.csv` / `plan.json rooms`: for messages that name a table. */
  table(table: string): string {
    return this.locate.file(table);
  }

  /** `experts.csv row 4` / `plan.json experts[2]`: for messages that point at another row. */
  label(table: string, index: number): string {
    return this.locate.at(table, index).label;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws BOOTH_ERR_PLAN_INVALID listing every problem when there is any. */
  throwIfAny(source: string): void {
    if (this.empty) return;
    const list = this.sorted();
    const n = list.length;
    throw new BoothError(
      'BOOTH_ERR_PLAN_INVALID',
      `plan ${source}: ${n} problem${n === 1 ? '' : 's'}, nothing imported:\n  ${list
        .slice(0, 200)
        .map((p) => p.text)
        .join('\n  ')}${n > 200 ? `\n  ... and ${n - 200} more` : ''}`,
      { problems: list, warnings: this.warnings },
    );
  }

  /** In the order of the tables (rooms, experts, projects, ...), then of rows; file-wide problems first. */
  sorted(): PlanProblem[] {
    const rank = (p: PlanProblem) => (p.table === null ? -1 : PLAN_TABLES.findIndex((t) => t.table === p.table));
    return this.list
      .map((p, i) => ({ p, i }))
      .sort((a, b) => rank(a.p) - rank(b.p) || (a.p.row ?? -1) - (b.p.row ?? -1) || a.i - b.i)
      .map((x) => x.p);
  }

  private push(
    file: string,
    table: string | null,
    row: number | null,
    label: string,
    field: string | null,
    message: string,
  ): void {
    const text = `${label}${field ? `, field ${field}` : ''}: ${message}`;
    if (this.list.some((p) => p.text === text)) return;
    this.list.push({ file, table, row, field, message, text });
  }
}
