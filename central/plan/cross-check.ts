import type { Static } from '@sinclair/typebox';
import { idNumberProblem } from './id-number.js';
import { localDate, parsePlanTime } from './local-time.js';
import type { PlanProblems } from './problems.js';
import type { PlanAssignment, PlanProject, PlanRoom, PlanTable } from './schema.js';
import type { CheckedPlan, Row } from './validate.js';

/**
 * What one row cannot say alone: duplicate ids, references to experts, projects, rooms and
 * documents that do not exist, a seat taken twice, a project whose room has several booths and
 * which names none, times off the plan's date, and what one package can carry. Each function
 * takes only the rows that passed their schema, so a typo gives one problem, not a cascade.
 */
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

export interface CrossCheck {
  problems: PlanProblems;
  date: string | null;
  timeZone: string;
}

function refProblem(
  c: CrossCheck,
  table: PlanTable,
  index: number,
  field: string,
  what: string,
  id: string,
  target: string,
) {
  c.problems.row(table, index, field, `no ${what} "${id}" in ${c.problems.table(target)}`);
}

export function checkExperts(c: CrossCheck, experts: CheckedPlan['experts'], staff: CheckedPlan['staff']) {
  for (const e of experts) {
    const why = idNumberProblem(e.v.id_number);
    if (why) c.problems.row('experts', e.index, 'id_number', why);
  }
  const ids = unique(experts, 'experts', 'id', (v) => v.id, 'this expert id', c.problems);
  unique(staff, 'staff', 'id', (v) => v.id, 'this staff id', c.problems);
  if (staff.length === 0)
    c.problems.warn('no staff: nobody can witness the alternative to face verification (ID card + staff)');
  return { ids, all: experts, kept: experts.filter((e) => ids.get(e.v.id) === e.index) };
}

/** A booth serves one room; a room may have several booths. */
export function checkRooms(c: CrossCheck, rooms: CheckedPlan['rooms']) {
  const boothsOfRoom = new Map<string, string[]>();
  const roomOfBooth = new Map<string, Row<Static<typeof PlanRoom>>>();
  for (const row of rooms) {
    const other = roomOfBooth.get(row.v.booth);
    if (other) {
      const at = c.problems.label('rooms', other.index);
      c.problems.row(
        'rooms',
        row.index,
        'booth',
        other.v.room === row.v.room
          ? `booth ${row.v.booth} is already in room ${row.v.room} (${at})`
          : `booth ${row.v.booth} already serves room ${other.v.room} (${at}): a booth serves one room`,
      );
      continue;
    }
    roomOfBooth.set(row.v.booth, row);
    boothsOfRoom.set(row.v.room, [...(boothsOfRoom.get(row.v.room) ?? []), row.v.booth]);
  }
  return { boothsOfRoom, kept: rooms.filter((row) => roomOfBooth.get(row.v.booth) === row) };
}

/** Each project's booth (named, or its room's only one) and its start on the plan date. */
export function checkProjects(
  c: CrossCheck,
  rows: Row<Static<typeof PlanProject>>[],
  boothsOfRoom: Map<string, string[]>,
) {
  const { problems } = c;
  const first = unique(rows, 'projects', 'id', (v) => v.id, 'this project id', problems);
  const kept: CheckedPlan['projects'] = [];
  for (const p of rows) {
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
    const t = parsePlanTime(p.v.scheduled_start, c.date, c.timeZone);
    if (!t.ok) {
      if (c.date) problems.row('projects', p.index, 'scheduled_start', t.why);
      continue;
    }
    const day = localDate(t.ms, c.timeZone);
    if (c.date && day !== c.date)
      problems.row(
        'projects',
        p.index,
        'scheduled_start',
        `is on ${day} (${c.timeZone}), not on the plan date ${c.date}`,
      );
    if (booth && first.get(p.v.id) === p.index)
      kept.push({ ...p, booth, boothExplicit: p.v.booth !== undefined, startMs: t.ms });
  }
  return { ids: new Set(first.keys()), first, rows, kept };
}

export function checkDocuments(
  c: CrossCheck,
  documents: CheckedPlan['documents'],
  places: CheckedPlan['places'],
  projectIds: Set<string>,
) {
  const { problems } = c;
  const key = (project: string, id: string) => `${project}\u0000${id}`;
  const first = unique(
    documents,
    'documents',
    'id',
    (v) => key(v.project, v.id),
    'this document id (for this project)',
    problems,
  );
  const perProject = new Map<string, number>();
  for (const d of documents) {
    if (!projectIds.has(d.v.project))
      refProblem(c, 'documents', d.index, 'project', 'project', d.v.project, 'projects');
    perProject.set(d.v.project, (perProject.get(d.v.project) ?? 0) + 1);
  }
  for (const pl of places) {
    const doc = first.get(key(pl.v.project, pl.v.document));
    if (doc === undefined)
      problems.row(
        'places',
        pl.index,
        'document',
        `no document "${pl.v.document}" of project "${pl.v.project}" in ${problems.table('documents')}`,
      );
    else if (documents.find((d) => d.index === doc)?.v.places !== undefined)
      problems.row(
        'places',
        pl.index,
        'document',
        `document ${pl.v.project}/${pl.v.document} has a places file (${problems.label('documents', doc)}): give its places one way`,
      );
  }
  const kept = documents.filter((d) => first.get(key(d.v.project, d.v.id)) === d.index && projectIds.has(d.v.project));
  return { perProject, kept };
}

/** References, one seat per expert and project, one expert per seat, sign-in times. */
export function checkAssignments(
  c: CrossCheck,
  rows: Row<Static<typeof PlanAssignment>>[],
  expertIds: Map<string, number>,
  projectIds: Set<string>,
) {
  const { problems } = c;
  const kept: CheckedPlan['assignments'] = [];
  const seatFirst = new Map<string, number>();
  const pairFirst = new Map<string, number>();
  const experts = new Set<string>();
  const projects = new Set<string>();
  for (const a of rows) {
    let ok = true;
    if (!expertIds.has(a.v.expert)) {
      refProblem(c, 'assignments', a.index, 'expert', 'expert', a.v.expert, 'experts');
      ok = false;
    }
    if (!projectIds.has(a.v.project)) {
      refProblem(c, 'assignments', a.index, 'project', 'project', a.v.project, 'projects');
      ok = false;
    }
    const pair = `${a.v.project}\u0000${a.v.expert}`;
    const seat = `${a.v.project}\u0000${a.v.seat}`;
    const samePair = pairFirst.get(pair);
    if (samePair !== undefined) {
      const at = problems.label('assignments', samePair);
      problems.row(
        'assignments',
        a.index,
        'expert',
        `expert ${a.v.expert} is already on project ${a.v.project} (${at})`,
      );
      ok = false;
    } else pairFirst.set(pair, a.index);
    const sameSeat = seatFirst.get(seat);
    if (sameSeat !== undefined) {
      const at = problems.label('assignments', sameSeat);
      problems.row(
        'assignments',
        a.index,
        'seat',
        `seat ${a.v.seat} of project ${a.v.project} is already taken (${at})`,
      );
      ok = false;
    } else seatFirst.set(seat, a.index);
    experts.add(a.v.expert);
    projects.add(a.v.project);
    const t = parsePlanTime(a.v.scheduled_sign_in, c.date, c.timeZone);
    if (!t.ok) {
      if (c.date) problems.row('assignments', a.index, 'scheduled_sign_in', t.why);
      continue;
    }
    const day = localDate(t.ms, c.timeZone);
    if (c.date && day !== c.date)
      problems.warn(
        `${problems.label('assignments', a.index)}: scheduled_sign_in is on ${day}, not on the plan date ${c.date}`,
      );
    if (ok) kept.push({ ...a, signInMs: t.ms });
  }
  return { experts, projects, kept };
}

/** Every project has documents (at most 50) and experts; an expert without a project is only a warning. */
export function checkCompleteness(
  c: CrossCheck,
  o: {
    projects: ReturnType<typeof checkProjects>;
    documents: ReturnType<typeof checkDocuments>;
    assignments: ReturnType<typeof checkAssignments>;
    experts: ReturnType<typeof checkExperts>;
  },
) {
  const { problems } = c;
  for (const p of o.projects.rows) {
    if (o.projects.first.get(p.v.id) !== p.index) continue;
    const docs = o.documents.perProject.get(p.v.id) ?? 0;
    if (docs === 0)
      problems.row('projects', p.index, 'id', `project ${p.v.id} has no documents in ${problems.table('documents')}`);
    if (docs > 50) problems.row('projects', p.index, 'id', `project ${p.v.id} has ${docs} documents, at most 50`);
    if (!o.assignments.projects.has(p.v.id))
      problems.row('projects', p.index, 'id', `project ${p.v.id} has no experts in ${problems.table('assignments')}`);
  }
  for (const e of o.experts.kept)
    if (!o.assignments.experts.has(e.v.id))
      problems.warn(`${problems.label('experts', e.index)}: expert ${e.v.id} has no assignment; not sent to any booth`);
}

/** What one package can carry (protocol/session/schema.ts): 100 projects and 500 experts per booth. */
export function checkBoothLimits(
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
