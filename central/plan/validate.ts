import type { Static, TSchema } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { idNumberProblem } from './id-number.js';
import { isValidDate, localDate, parsePlanTime } from './local-time.js';
import type { PlanProblems } from './problems.js';
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
 * The plan's shape and its cross-references: every row against its table's schema, then what
 * one row cannot say alone (duplicate ids, references to experts, projects and documents that
 * do not exist, a seat taken twice, a project whose room has several booths and which names
 * none, times off the plan's date). Rows that fail their schema are left out of the
 * cross-checks, so one typo gives one problem, not a cascade.
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
  const text = typeof value === 'string' ? value : JSON.stringify(value);
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

/** The first occurrence of each key; problems for the repeats. */
function unique<T>(
  rows: Row<T>[],
  table: PlanTable,
  field: string,
  key: (v: T) => string,
  what: string,
  problems: PlanProblems,
) {
  const first = new Map<string, number>();
  for (const r of rows) {
    const k = key(r.v);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, r.index);
    else problems.row(table, r.index, field, `${what} appears again (first at ${problems.label(table, seen)})`);
  }
  return first;
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
  const experts = r.experts as CheckedPlan['experts'];
  const rooms = r.rooms as CheckedPlan['rooms'];
  const documents = r.documents as CheckedPlan['documents'];
  const places = r.places as CheckedPlan['places'];
  const staff = r.staff as CheckedPlan['staff'];

  for (const e of experts) {
    const why = idNumberProblem(e.v.id_number);
    if (why) problems.row('experts', e.index, 'id_number', why);
  }
  const expertIds = unique(experts, 'experts', 'id', (v) => v.id, 'this expert id', problems);
  unique(staff, 'staff', 'id', (v) => v.id, 'this staff id', problems);
  if (staff.length === 0)
    problems.warn('no staff: nobody can witness the alternative to face verification (ID card + staff)');

  const boothsOfRoom = new Map<string, string[]>();
  const roomOfBooth = new Map<string, Row<Static<typeof PlanRoom>>>();
  for (const row of rooms) {
    const other = roomOfBooth.get(row.v.booth);
    if (other) {
      problems.row(
        'rooms',
        row.index,
        'booth',
        other.v.room === row.v.room
          ? `booth ${row.v.booth} is already in room ${row.v.room} (${problems.label('rooms', other.index)})`
          : `booth ${row.v.booth} already serves room ${other.v.room} (${problems.label('rooms', other.index)}): a booth serves one room`,
      );
      continue;
    }
    roomOfBooth.set(row.v.booth, row);
    boothsOfRoom.set(row.v.room, [...(boothsOfRoom.get(row.v.room) ?? []), row.v.booth]);
  }

  const projects: CheckedPlan['projects'] = [];
  const projectFirst = unique(
    r.projects as Row<Static<typeof PlanProject>>[],
    'projects',
    'id',
    (v) => v.id,
    'this project id',
    problems,
  );
  for (const p of r.projects as Row<Static<typeof PlanProject>>[]) {
    const booths = boothsOfRoom.get(p.v.room);
    let booth: string | null = null;
    if (!booths) problems.row('projects', p.index, 'room', `no room "${p.v.room}" in ${problems.table('rooms')}`);
    else if (p.v.booth !== undefined) {
      if (booths.includes(p.v.booth)) booth = p.v.booth;
      else
        problems.row(
          'projects',
          p.index,
          'booth',
          `booth "${p.v.booth}" is not in room ${p.v.room} (its booths: ${booths.join(', ')})`,
        );
    } else if (booths.length === 1) booth = booths[0] ?? null;
    else
      problems.row(
        'projects',
        p.index,
        'booth',
        `room ${p.v.room} has ${booths.length} booths (${booths.join(', ')}): name the booth of this project; its experts would otherwise be served by two booths, and a project's documents are sealed at one booth`,
      );
    const t = parsePlanTime(p.v.scheduled_start, date, o.timeZone);
    if (!t.ok) {
      if (date) problems.row('projects', p.index, 'scheduled_start', t.why);
      continue;
    }
    if (date && localDate(t.ms, o.timeZone) !== date)
      problems.row(
        'projects',
        p.index,
        'scheduled_start',
        `is on ${localDate(t.ms, o.timeZone)} (${o.timeZone}), not on the plan date ${date}`,
      );
    if (booth && projectFirst.get(p.v.id) === p.index)
      projects.push({ ...p, booth, boothExplicit: p.v.booth !== undefined, startMs: t.ms });
  }
  const projectIds = new Set(projectFirst.keys());
  const refProblem = (table: PlanTable, index: number, field: string, what: string, id: string, target: string) =>
    problems.row(table, index, field, `no ${what} "${id}" in ${problems.table(target)}`);

  const docFirst = unique(
    documents,
    'documents',
    'id',
    (v) => `${v.project}\u0000${v.id}`,
    'this document id (for this project)',
    problems,
  );
  const docsPerProject = new Map<string, number>();
  for (const d of documents) {
    if (!projectIds.has(d.v.project)) refProblem('documents', d.index, 'project', 'project', d.v.project, 'projects');
    docsPerProject.set(d.v.project, (docsPerProject.get(d.v.project) ?? 0) + 1);
  }
  for (const pl of places) {
    const first = docFirst.get(`${pl.v.project}\u0000${pl.v.document}`);
    if (first === undefined)
      problems.row(
        'places',
        pl.index,
        'document',
        `no document "${pl.v.document}" of project "${pl.v.project}" in ${problems.table('documents')}`,
      );
    else if (documents.find((d) => d.index === first)?.v.places !== undefined)
      problems.row(
        'places',
        pl.index,
        'document',
        `document ${pl.v.project}/${pl.v.document} has a places file (${problems.label('documents', first)}): give its places one way`,
      );
  }

  const assignments: CheckedPlan['assignments'] = [];
  const seatFirst = new Map<string, number>();
  const pairFirst = new Map<string, number>();
  const assigned = new Set<string>();
  for (const a of r.assignments as Row<Static<typeof PlanAssignment>>[]) {
    let ok = true;
    if (!expertIds.has(a.v.expert)) {
      refProblem('assignments', a.index, 'expert', 'expert', a.v.expert, 'experts');
      ok = false;
    }
    if (!projectIds.has(a.v.project)) {
      refProblem('assignments', a.index, 'project', 'project', a.v.project, 'projects');
      ok = false;
    }
    const pair = `${a.v.project}\u0000${a.v.expert}`;
    const seat = `${a.v.project}\u0000${a.v.seat}`;
    if (pairFirst.has(pair)) {
      problems.row(
        'assignments',
        a.index,
        'expert',
        `expert ${a.v.expert} is already on project ${a.v.project} (${problems.label('assignments', pairFirst.get(pair) ?? 0)})`,
      );
      ok = false;
    } else pairFirst.set(pair, a.index);
    if (seatFirst.has(seat)) {
      problems.row(
        'assignments',
        a.index,
        'seat',
        `seat ${a.v.seat} of project ${a.v.project} is already taken (${problems.label('assignments', seatFirst.get(seat) ?? 0)})`,
      );
      ok = false;
    } else seatFirst.set(seat, a.index);
    assigned.add(a.v.expert);
    assigned.add(`project:${a.v.project}`);
    const t = parsePlanTime(a.v.scheduled_sign_in, date, o.timeZone);
    if (!t.ok) {
      if (date) problems.row('assignments', a.index, 'scheduled_sign_in', t.why);
      continue;
    }
    if (date && localDate(t.ms, o.timeZone) !== date)
      problems.warn(
        `${problems.label('assignments', a.index)}: scheduled_sign_in is on ${localDate(t.ms, o.timeZone)}, not on the plan date ${date}`,
      );
    if (ok) assignments.push({ ...a, signInMs: t.ms });
  }
  for (const p of r.projects as Row<Static<typeof PlanProject>>[]) {
    if (projectFirst.get(p.v.id) !== p.index) continue;
    const docs = docsPerProject.get(p.v.id) ?? 0;
    if (docs === 0)
      problems.row('projects', p.index, 'id', `project ${p.v.id} has no documents in ${problems.table('documents')}`);
    if (docs > 50) problems.row('projects', p.index, 'id', `project ${p.v.id} has ${docs} documents, at most 50`);
    if (!assigned.has(`project:${p.v.id}`))
      problems.row('projects', p.index, 'id', `project ${p.v.id} has no experts in ${problems.table('assignments')}`);
  }
  for (const e of experts)
    if (expertIds.get(e.v.id) === e.index && !assigned.has(e.v.id))
      problems.warn(`${problems.label('experts', e.index)}: expert ${e.v.id} has no assignment; not sent to any booth`);

  checkBoothLimits(projects, assignments, problems);
  if (!date) return null;
  return {
    date,
    experts: experts.filter((e) => expertIds.get(e.v.id) === e.index),
    projects,
    documents: documents.filter(
      (d) => docFirst.get(`${d.v.project}\u0000${d.v.id}`) === d.index && projectIds.has(d.v.project),
    ),
    places,
    assignments,
    staff,
    rooms: rooms.filter((row) => roomOfBooth.get(row.v.booth) === row),
  };
}

/** What one package can carry (protocol/session/schema.ts): 100 projects and 500 experts per booth. */
function checkBoothLimits(
  projects: CheckedPlan['projects'],
  assignments: CheckedPlan['assignments'],
  problems: PlanProblems,
) {
  const boothOf = new Map(projects.map((p) => [p.v.id, p.booth]));
  const perBooth = new Map<string, { projects: number; experts: Set<string> }>();
  for (const p of projects) {
    const b = perBooth.get(p.booth) ?? { projects: 0, experts: new Set<string>() };
    b.projects++;
    perBooth.set(p.booth, b);
  }
  for (const a of assignments) perBooth.get(boothOf.get(a.v.project) ?? '')?.experts.add(a.v.expert);
  for (const [booth, b] of perBooth) {
    if (b.projects > 100)
      problems.file(
        problems.table('projects'),
        `booth ${booth} has ${b.projects} projects; a package carries at most 100`,
      );
    if (b.experts.size > 500)
      problems.file(
        problems.table('assignments'),
        `booth ${booth} serves ${b.experts.size} experts; a package carries at most 500`,
      );
  }
}
