import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoothError } from '../../protocol/errors.js';
import { checkPin } from '../../protocol/session/hashes.js';
import type { PlanProblem } from '../../central/plan/problems.js';
import { importPlan } from '../../central/plan/import.js';
import type { Queryable } from '../../central/db/db.js';
import { BACKENDS } from './helpers/db.js';
import { testContext, type TestContext } from './helpers/context.js';

const EXAMPLE = resolve('central/examples/day-plan');
const DATE = '2026-12-07';

/** A copy of the example plan with some files rewritten (edits get the file's text). */
async function variant(edits: Record<string, string | ((text: string) => string)>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plan-'));
  await cp(EXAMPLE, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    await writeFile(path, typeof edit === 'string' ? edit : edit(await readFile(path, 'utf8')));
  }
  return dir;
}

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BoothError);
  expect(err).toMatchObject({ code: 'BOOTH_ERR_PLAN_INVALID' });
  return ((err as BoothError).details.problems as PlanProblem[]).map((x) => x.text);
}

/** Everything the import stored for a date, in a comparable form (PIN hashes have random salts). */
async function dayContent(q: Queryable, date: string) {
  const all = async (sql: string) => (await q.query(sql, [date])).rows;
  return {
    plan: await all(`SELECT revision, sha256, counts, warnings FROM plans WHERE date = $1`),
    rooms: await all(`SELECT room, booth_id FROM plan_rooms WHERE date = $1 ORDER BY room, booth_id`),
    projects: await all(
      `SELECT id, name, section, room, booth_id, booth_explicit, scheduled_start FROM plan_projects WHERE date = $1 ORDER BY id`,
    ),
    documents: await all(
      `SELECT project_id, id, title, sha256, size, places, places_source FROM plan_documents WHERE date = $1 ORDER BY project_id, id`,
    ),
    assignments: await all(
      `SELECT project_id, expert_id, seat, scheduled_sign_in FROM plan_assignments WHERE date = $1 ORDER BY project_id, seat`,
    ),
    staff: await all(`SELECT id FROM plan_staff WHERE date = $1 ORDER BY id`),
    experts: (await q.query(`SELECT id, name, id_number FROM experts ORDER BY id`)).rows,
    photos: (await q.query(`SELECT expert_id, sha256, length(jpeg) AS size FROM expert_photos ORDER BY expert_id`))
      .rows,
    blobs: (await q.query(`SELECT id, size, complete, kind FROM blobs ORDER BY id`)).rows,
  };
}

describe.each(BACKENDS)('plan import on %s', (backend) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await testContext(backend);
  });
  afterAll(async () => t?.close());

  it('imports the example as a CSV folder and as one JSON document to the same content', async () => {
    const csv = await importPlan(t.ctx, { path: EXAMPLE, date: DATE });
    expect(csv).toMatchObject({ date: DATE, imported: true, revision: 1, warnings: [] });
    expect(csv.counts).toEqual({
      experts: 3,
      projects: 4,
      documents: 5,
      assignments: 10,
      staff: 2,
      rooms: 3,
      booths: 3,
    });
    const fromCsv = await dayContent(t.ctx.db, DATE);
    const json = await importPlan(t.ctx, { path: join(EXAMPLE, 'plan.json'), date: DATE });
    expect(json).toMatchObject({ revision: 2, sha256: csv.sha256 });
    const fromJson = await dayContent(t.ctx.db, DATE);
    expect({ ...fromJson, plan: null }).toEqual({ ...fromCsv, plan: null });
    expect(fromJson.plan).toEqual([{ ...fromCsv.plan[0], revision: 2 }]);

    // Local times (Asia/Shanghai) became instants; the 96-page report got 3 seats x 96 places.
    const p1 = fromCsv.projects.find((p) => p.id === 'P-2026-101') as { scheduled_start: Date; booth_id: string };
    expect(p1.scheduled_start.toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(p1.booth_id).toBe('hall1-b1');
    const docs = fromCsv.documents as { id: string; project_id: string; places: unknown[]; places_source: string }[];
    const report = docs.find((d) => d.project_id === 'P-2026-101' && d.id === 'report');
    expect(report).toMatchObject({ places_source: 'file' });
    expect(report?.places).toHaveLength(288);
    expect(docs.find((d) => d.id === 'annex')).toMatchObject({ places_source: 'form' });
    expect(docs.find((d) => d.project_id === 'P-2026-102')).toMatchObject({ places_source: 'csv' });
    expect(docs.find((d) => d.id === 'annex')?.places).toContainEqual({
      seat: 2,
      page: 2,
      x: 225,
      y: 60,
      width: 150,
      height: 50,
    });
    // PDFs are blob files; PINs are stored hashed only.
    for (const b of fromCsv.blobs as { id: string; size: number }[]) {
      expect(b).toMatchObject({ complete: true, kind: 'published' });
      expect((await readFile(t.ctx.blobs.pathOf(b.id))).length).toBe(b.size);
    }
    const staff = await t.ctx.db.query<{ id: string; pin_salt: string; pin_hash: string }>(
      `SELECT id, pin_salt, pin_hash FROM plan_staff WHERE date = $1 ORDER BY id`,
      [DATE],
    );
    expect(JSON.stringify(staff.rows)).not.toContain('246810');
    expect(await checkPin('246810', { salt: staff.rows[0]?.pin_salt ?? '', hash: staff.rows[0]?.pin_hash ?? '' })).toBe(
      true,
    );
  });

  it('reports every problem at once, each naming file, row and field, and changes nothing', async () => {
    const before = await dayContent(t.ctx.db, DATE);
    const dir = await variant({
      'experts.csv': (s) =>
        s
          .replace('310104197008250625', '310104197008250626')
          .replace('张伟', '张\u0000伟')
          .concat('EXP-1001,又一个,110105196503120419,expert-a.jpg\nEXP-1004,赵六,320102198106071042,fake.jpg\n'),
      'photos/fake.jpg': 'not a jpeg at all',
      'assignments.csv': (s) =>
        s.concat('EXP-1003,P-2026-201,x,09:15\nEXP-9999,P-2026-201,3,09:15\nEXP-1003,P-2026-201,1,09:15\n'),
      'staff.csv': (s) => s.concat('staff-03,12ab\n'),
      'pdfs/p3-report.pdf': 'this is not a PDF',
      'places.csv': (s) => s.concat('P-2026-102,report,1,9,60,60,150,50\n'),
      'projects.csv': (s) => s.replace('14:00', '25:00'),
    });
    const problems = await problemsOf(importPlan(t.ctx, { path: dir, date: DATE }));
    expect(problems).toEqual(
      expect.arrayContaining([
        'experts.csv row 4, field name: expected text of 1-100 characters, no control characters, got "张\\u0000伟"',
        'experts.csv row 3, field id_number: expected an 18-character PRC ID number: the check digit (GB 11643) does not match; mistyped?',
        'experts.csv row 5, field id: this expert id appears again (first at experts.csv row 2)',
        expect.stringMatching(/^experts\.csv row 6, field photos: photos\/fake\.jpg is not a JPEG that decodes/),
        'assignments.csv row 12, field seat: expected an integer 1-99, got "x"',
        'assignments.csv row 13, field expert: no expert "EXP-9999" in experts.csv',
        'assignments.csv row 14, field seat: seat 1 of project P-2026-201 is already taken (assignments.csv row 7)',
        'staff.csv row 4, field pin: expected a PIN of 4-12 digits, got 4 characters',
        expect.stringMatching(
          /^documents\.csv row 5, field file: pdfs\/p3-report\.pdf is not a PDF the booth can sign/,
        ),
        'places.csv row 8, field page: P-2026-102/report: page 9 does not exist (the PDF has 3 pages)',
        'projects.csv row 3, field scheduled_start: 25:00:00 is not a time of day',
      ]),
    );
    // Personal data and secrets are not repeated in messages.
    expect(problems.join('\n')).not.toContain('310104197008250626');
    expect(problems.join('\n')).not.toContain('12ab');
    expect(await dayContent(t.ctx.db, DATE)).toEqual(before);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a project whose room has two booths unless it names one, and a seat with no place', async () => {
    const dir = await variant({
      'rooms.csv': (s) => s.concat('hall-1,hall1-b2\n'),
      'projects.csv': (s) => s.replace('hall-1,,14:00', 'hall-1,hall1-b2,14:00'),
      'assignments.csv': (s) => s.concat('EXP-1003,P-2026-201,3,09:15\n'),
    });
    const problems = await problemsOf(importPlan(t.ctx, { path: dir, date: DATE }));
    expect(problems).toEqual([
      expect.stringMatching(
        /^projects\.csv row 2, field booth: room hall-1 has 2 booths \(hall1-b1, hall1-b2\): name the booth of this project; .*sealed at one booth$/,
      ),
      'documents.csv row 5, field file: no place for seat 3 (assignments.csv row 12) in the form fields sig.<seat> of pdfs/p3-report.pdf',
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it('names the JSON element and the CSV column problems; a plan without a date needs --date', async () => {
    const doc = JSON.parse(await readFile(join(EXAMPLE, 'plan.json'), 'utf8')) as Record<string, unknown[]>;
    (doc.assignments?.[0] as Record<string, unknown>).seat = 'x';
    (doc.experts?.[1] as Record<string, unknown>).photos = ['../../keys/ca.key.pem'];
    const dir = await variant({ 'bad.json': JSON.stringify(doc) });
    expect(await problemsOf(importPlan(t.ctx, { path: join(dir, 'bad.json'), date: DATE }))).toEqual([
      'bad.json experts[1], field photos: "../../keys/ca.key.pem": expected a name under photos/ (no "..", not absolute)',
      'bad.json assignments[0], field seat: expected an integer 1-99, got "x"',
    ]);
    expect(await problemsOf(importPlan(t.ctx, { path: join(EXAMPLE, 'plan.json') }))).toEqual([
      'plan.json, field date: no plan date: give --date (the times have no date)',
    ]);
    const cols = await variant({ 'staff.csv': 'id,pin,role\ns1,1234,x\n', 'rooms.csv': 'room\nhall-1\n' });
    expect(await problemsOf(importPlan(t.ctx, { path: cols, date: DATE }))).toEqual(
      expect.arrayContaining([
        'rooms.csv: missing column "booth" (the columns are room, booth)',
        'staff.csv: unknown column "role" (the columns are id, pin)',
      ]),
    );
    await rm(dir, { recursive: true, force: true });
    await rm(cols, { recursive: true, force: true });
  });

  it('a re-import replaces the day as a new revision', async () => {
    const dir = await variant({
      'projects.csv': (s) =>
        s
          .split('\n')
          .filter((l) => !l.startsWith('P-2026-102'))
          .join('\n'),
      'documents.csv': (s) =>
        s
          .split('\n')
          .filter((l) => !l.startsWith('P-2026-102'))
          .join('\n'),
      'assignments.csv': (s) =>
        s
          .split('\n')
          .filter((l) => !l.includes('P-2026-102'))
          .join('\n'),
      'places.csv': 'project,document,seat,page,x,y,width,height\n',
    });
    const before = (await dayContent(t.ctx.db, DATE)).plan[0] as { revision: number };
    const out = await importPlan(t.ctx, { path: dir, date: DATE });
    expect(out.revision).toBe(before.revision + 1);
    const after = await dayContent(t.ctx.db, DATE);
    expect((after.projects as { id: string }[]).map((p) => p.id)).toEqual(['P-2026-101', 'P-2026-201', 'P-2026-301']);
    expect(after.assignments).toHaveLength(8);
    await rm(dir, { recursive: true, force: true });
  });
});
