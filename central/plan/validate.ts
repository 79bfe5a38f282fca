import type { Static, TSchema } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { isValidDate, localDate, parsePlanTime } from './local-time.js';
import type { PlanProblems } from './problems.js';
import {
  checkAssignments,
  checkBoothLimits,
  checkCompleteness,
  checkDocuments,
  checkExperts,
  checkProjects,
  checkRooms,
  type CrossCheck,
} from './cross-check.js';
import type {
  PlanAssignment,
  PlanDocument,
  PlanExpert,
  PlanPlace,
  PlanProject,
  PlanRoom,
  PlanStaff,
} from './schema.js';
import { PLAN_FORMAT, PLAN_TABLES, PlanSchema, SECRET_FIELDS, rowSchema, type PlanTable } from './schema.js';

/**
 * The plan's shape: the top level (known fields, every required table), every row against its
 * table's schema (each problem named by file, row and field, with what was expected), the plan
 * date, then the cross-checks (cross-check.ts) on the rows that passed.
 */
export interface Row<T> {
  index: number;
  v: T;
}

export interface CheckedPlan {
  date: string;
  experts: Row<Static<typeof PlanExpert>>[];
  projects: (Row<Static<typeof PlanProject>> & { booth: string; boothExplicit: boolean; startMs: number })[];
  documents: Row<Static<typeof PlanDocument>>[];
  places: Row<Static<typeof PlanPlace>>[];
  assignments: (Row<Static<typeof PlanAssignment>> & { signInMs: number })[];
  staff: Row<Static<typeof PlanStaff>>[];
  rooms: Row<Static<typeof PlanRoom>>[];
}

const rowValidators = Object.fromEntries(
  PLAN_TABLES.map(({ table }) => [table, compileValidator(rowSchema(table))]),
) as unknown as Record<PlanTable, ReturnType<typeof compileValidator>>;

/** How a bad value is shown: quoted and cut short; secrets and personal data only by length. */
function shown(field: string, value: unknown): string {
  if (value === undefined) return 'nothing';
  if (SECRET_FIELDS.has(field)) return typeof value === 'string' ? `${value.length} characters` : typeof value;
  // Control characters are shown as JSON escapes: a NUL or a line break stays visible.
  const text = typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
  const cut = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return typeof value === 'string' ? `"${cut}"` : cut;
}

/** The subschema and value at a JSON pointer under one row. */
function at(schema: TSchema, row: unknown, path: string[]): { schema: TSchema | undefined; value: unknown } {
  let s: TSchema | undefined = schema;
  let v: unknown = row;
  for (const seg of path) {
    s = (s?.properties as Record<string, TSchema> | undefined)?.[seg] ?? (s?.items as TSchema | undefined);
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  }
  return { schema: s, value: v };
}

function checkRows<K extends PlanTable>(
  table: K,
  raw: Record<string, unknown>,
  problems: PlanProblems,
): Row<Record<string, unknown>>[] {
  const list = raw[table];
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problems.file(problems.table(table), `expected "${table}" to be a list of rows`, table);
    return [];
  }
  const schema = rowSchema(table);
  const max = (PlanSchema.properties[table] as TSchema).maxItems as number | undefined;
  if (max !== undefined && list.length > max)
    problems.file(problems.table(table), `at most ${max} rows, got ${list.length}`, table);
  const ok: Row<Record<string, unknown>>[] = [];
  list.forEach((item: unknown, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.row(table, index, null, 'expected an object with the fields of a row');
      return;
    }
    const check = rowValidators[table].check(item);
    if (check.ok) {
      ok.push({ index, v: item as Record<string, unknown> });
      return;
    }
    for (const p of check.problems) {
      const path = p.field.split('/').filter(Boolean);
      const field = path[0] ?? null;
      const { schema: sub, value } = at(schema, item, path);
      let message: string;
      if (p.expected === 'no such field (unknown)')
        message = `unknown field (the fields are ${Object.keys(schema.properties).join(', ')})`;
      else if (value === undefined || value === '') message = `missing: expected ${sub?.title ?? p.expected}`;
      else message = `expected ${sub?.title ?? p.expected}, got ${shown(field ?? '', value)}`;
      problems.row(table, index, field, path.length > 1 ? `item ${Number(path[1]) + 1}: ${message}` : message);
    }
  });
  return ok;
}

function planDate(
  raw: Record<string, unknown>,
  rows: { projects: Row<Record<string, unknown>>[]; assignments: Row<Record<string, unknown>>[] },
  given: string | undefined,
  timeZone: string,
  problems: PlanProblems,
  file: string,
): string | null {
  const inPlan = typeof raw.date === 'string' ? raw.date : undefined;
  if (given !== undefined && !isValidDate(given)) {
    problems.file(file, `--date ${given}: expected a calendar date YYYY-MM-DD`, 'date');
    return null;
  }
  if (given && inPlan && given !== inPlan) {
    problems.file(file, `the plan is for ${inPlan}, --date says ${given}`, 'date');
    return null;
  }
  if (given ?? inPlan) return given ?? inPlan ?? null;
  const dates = new Set<string>();
  for (const r of rows.projects) {
    const t = parsePlanTime(String(r.v.scheduled_start), null, timeZone);
    if (t.ok) dates.add(localDate(t.ms, timeZone));
  }
  if (dates.size === 1) return [...dates][0] ?? null;
  problems.file(
    file,
    dates.size === 0
      ? 'no plan date: give --date (the times have no date)'
      : `the projects start on several dates (${[...dates].sort().join(', ')}): a plan is one day; give --date`,
    'date',
  );
  return null;
}

export function checkPlan(
  raw: unknown,
  o: { date?: string | undefined; timeZone: string; file: string },
  problems: PlanProblems,
): CheckedPlan | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    if (problems.empty) problems.file(o.file, 'expected a JSON object with experts, projects, documents, ...');
    return null;
  }
  const doc = raw as Record<string, unknown>;
  for (const key of Object.keys(doc))
    if (!(key in PlanSchema.properties)) problems.file(o.file, `unknown field "${key}"`, key);
  if (doc.format !== undefined && doc.format !== PLAN_FORMAT)
    problems.file(o.file, `expected "${PLAN_FORMAT}", got ${shown('format', doc.format)}`, 'format');
  for (const { table, required } of PLAN_TABLES)
    if (required && doc[table] === undefined && problems.list.every((p) => p.file !== `${table}.csv`))
      problems.file(o.file, `missing: expected a list of ${table}`, table);
  const r = Object.fromEntries(PLAN_TABLES.map(({ table }) => [table, checkRows(table, doc, problems)])) as Record<
    PlanTable,
    Row<Record<string, unknown>>[]
  >;
  const date = planDate(doc, r, o.date, o.timeZone, problems, o.file);
  const c: CrossCheck = { problems, date, timeZone: o.timeZone };
  const experts = checkExperts(c, r.experts as CheckedPlan['experts'], r.staff as CheckedPlan['staff']);
  const rooms = checkRooms(c, r.rooms as CheckedPlan['rooms']);
  const projects = checkProjects(c, r.projects as Row<Static<typeof PlanProject>>[], rooms.boothsOfRoom);
  const documents = checkDocuments(
    c,
    r.documents as CheckedPlan['documents'],
    r.places as CheckedPlan['places'],
    projects.ids,
  );
  const assignments = checkAssignments(
    c,
    r.assignments as Row<Static<typeof PlanAssignment>>[],
    experts.ids,
    projects.ids,
  );
  checkCompleteness(c, { projects, documents, assignments, experts });
  checkBoothLimits(projects.kept, assignments.kept, problems);
  if (!date) return null;
  return {
    date,
    experts: experts.kept,
    projects: projects.kept,
    documents: documents.kept,
    places: r.places as CheckedPlan['places'],
    assignments: assignments.kept,
    staff: r.staff as CheckedPlan['staff'],
    rooms: rooms.kept,
  };
}
