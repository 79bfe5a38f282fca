import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCentralConfig } from '../../central/config/load.js';
import { creditReport } from '../../central/reports/credit.js';
import { dailyReport } from '../../central/reports/daily.js';
import { projectReport } from '../../central/reports/project.js';
import { UNKNOWN, type DailyRow } from '../../central/reports/schema.js';
import { BACKENDS, testDb, type TestDb } from './helpers/db.js';
import { assign, at, booth, expert, noShow, project, sign, visit } from './helpers/report-facts.js';

const D = '2026-12-07';
const config = parseCentralConfig({ packages: { timeZone: 'Asia/Shanghai' } }, 'test', {}, {});

/**
 * One day's plan with every case the reports must tell apart, written straight into the plan and
 * facts tables (ingestion, built in parallel, fills the facts from booth records):
 * P1 at b1: E01 signs, E02 dissents (staff-witnessed, 12 min late on an unsynchronised clock),
 *   E03 refuses, E04 is a no-show at close, E05 has a no-show AND a sign at booth b2 (sign wins).
 * P2 at b2: E06 signs, then a staff override re-opens it and they dissent; E07: nothing (unknown).
 * P3 at b1: E08 signs (complete); E10 has a sign record the plan does not have.
 * P4 at b3: E09 has only a no-show from a replaced package version (unknown).
 * E01 is also planned the days before and after (credit period boundaries).
 */
async function seed(q: TestDb['db']) {
  await booth(q, 'b1', 'R1', '2026-12-07T10:00:00Z');
  await booth(q, 'b2', 'R2', '2026-12-07T02:00:00Z');
  await booth(q, 'b3', 'R3');
  await expert(q, 'E01', '张三');
  await expert(q, 'E02', 'Li, "Lei"');
  for (const i of [3, 4, 5, 6, 7, 8, 9, 10]) await expert(q, `E${String(i).padStart(2, '0')}`, `专家${i}`);
  await project(q, {
    date: D,
    id: 'P1',
    name: '某某道路工程, 一标段',
    section: 'S1',
    room: 'R1',
    booth: 'b1',
    start: '09:00',
  });
  await project(q, { date: D, id: 'P2', room: 'R2', booth: 'b2', start: '10:00' });
  await project(q, { date: D, id: 'P3', room: 'R1', booth: 'b1', start: '11:00' });
  await project(q, { date: D, id: 'P4', room: 'R3', booth: 'b3', start: '14:00' });
  await project(q, { date: D, id: 'P5', room: 'R3', booth: 'b3', start: '15:00' }); // nobody assigned
  for (const [i, e] of ['E01', 'E02', 'E03', 'E04', 'E05'].entries())
    await assign(q, { date: D, project: 'P1', expert: e, seat: i + 1, time: '09:00' });
  await assign(q, { date: D, project: 'P2', expert: 'E06', seat: 1, time: '10:00' });
  await assign(q, { date: D, project: 'P2', expert: 'E07', seat: 2, time: '10:00' });
  await assign(q, { date: D, project: 'P3', expert: 'E08', seat: 1, time: '11:00' });
  await assign(q, { date: D, project: 'P4', expert: 'E09', seat: 1, time: '14:00' });

  const p1 = { date: D, booth: 'b1', project: 'P1', scheduled: '09:00' };
  await sign(q, { ...p1, expert: 'E01', seat: 1, signedIn: '08:55', sealed: '08:58', signId: 'SIGN-E01' });
  await sign(q, {
    ...p1,
    expert: 'E02',
    seat: 2,
    action: 'dissent',
    method: 'staff-witness',
    witness: 'ST1',
    signedIn: '09:12',
    sealed: '09:15',
    late: 12,
    synced: false,
  });
  await sign(q, { ...p1, expert: 'E03', seat: 3, action: 'refuse', signedIn: '09:01', sealed: null });
  await noShow(q, { ...p1, expert: 'E04', seat: 4 });
  await noShow(q, { ...p1, expert: 'E05', seat: 5, cause: 'replaced', closed: '09:30' });
  await noShow(q, { ...p1, expert: 'E05', seat: 5 });
  await sign(q, {
    ...p1,
    booth: 'b2',
    expert: 'E05',
    seat: 5,
    signedIn: '09:40',
    sealed: '09:42',
    late: 40,
    version: 2,
  });

  const p2 = { date: D, booth: 'b2', project: 'P2', scheduled: '10:00' };
  await sign(q, { ...p2, expert: 'E06', seat: 1, signedIn: '10:05', sealed: '10:07', late: 5, signId: 'SIGN-E06a' });
  await sign(q, {
    ...p2,
    expert: 'E06',
    seat: 1,
    action: 'dissent',
    signedIn: '12:00',
    sealed: '12:02',
    late: 120,
    override: 'ST9',
    signId: 'SIGN-E06b',
  });

  const p3 = { date: D, booth: 'b1', project: 'P3', scheduled: '11:00' };
  await sign(q, { ...p3, expert: 'E08', seat: 1, signedIn: '10:50', sealed: '10:53' });
  await sign(q, { ...p3, expert: 'E10', seat: 2, signedIn: '11:20', sealed: '11:59' });

  await noShow(q, { date: D, booth: 'b3', project: 'P4', expert: 'E09', seat: 1, cause: 'replaced' });

  // Visits: E01 failed twice before a completed visit, and was locked out in another one.
  await visit(q, { date: D, booth: 'b1', expert: 'E01', outcome: 'completed', attempts: 2, startedAt: at(D, '08:50') });
  await visit(q, {
    date: D,
    booth: 'b1',
    expert: 'E01',
    outcome: 'locked-out',
    attempts: 3,
    startedAt: at(D, '08:40'),
  });
  await visit(q, { date: D, booth: 'b1', expert: null, outcome: 'locked-out', attempts: 3, startedAt: at(D, '08:30') });

  // E01 on the days around D (credit boundaries): one late sign each day.
  for (const day of ['2026-12-06', '2026-12-08', '2026-12-09']) {
    await project(q, { date: day, id: 'PX', room: 'R1', booth: 'b1', start: '09:00' });
    await assign(q, { date: day, project: 'PX', expert: 'E01', seat: 1, time: '09:00' });
    await sign(q, {
      date: day,
      booth: 'b1',
      project: 'PX',
      expert: 'E01',
      seat: 1,
      scheduled: '09:00',
      signedIn: '09:03',
      late: 3,
    });
  }
  // Visits without a package date count by when they started, in local time: 2026-12-07 00:30
  // local is still 12-06 in UTC; 2026-12-09 00:30 local is 12-08 in UTC.
  await visit(q, {
    date: null,
    booth: 'b1',
    expert: 'E01',
    outcome: 'failed',
    attempts: 1,
    startedAt: '2026-12-06T16:30:00Z',
  });
  await visit(q, {
    date: null,
    booth: 'b1',
    expert: 'E01',
    outcome: 'failed',
    attempts: 7,
    startedAt: '2026-12-08T16:30:00Z',
  });
}

describe.each(BACKENDS)('reports on %s', (backend) => {
  let t: TestDb;
  let ctx: { db: TestDb['db']; config: typeof config };
  let rows: Map<string, DailyRow>;
  beforeAll(async () => {
    t = await testDb(backend);
    await seed(t.db);
    ctx = { db: t.db, config };
    const daily = await dailyReport(ctx, D);
    rows = new Map(daily.rows.map((r) => [`${r.projectId}/${r.expertId}`, r]));
  });
  afterAll(async () => t?.drop());

  it('daily: one row per assignment, per expert in order, with plan and facts joined', async () => {
    const daily = await dailyReport(ctx, D);
    expect(daily).toMatchObject({ report: 'daily', date: D, timeZone: 'Asia/Shanghai' });
    expect(daily.rows.map((r) => `${r.expertId}/${r.projectId}`)).toEqual([
      'E01/P1',
      'E02/P1',
      'E03/P1',
      'E04/P1',
      'E05/P1',
      'E06/P2',
      'E07/P2',
      'E08/P3',
      'E09/P4',
      'E10/P3',
    ]);
    expect(rows.get('P1/E01')).toEqual({
      date: D,
      expertId: 'E01',
      expertName: '张三',
      projectId: 'P1',
      projectName: '某某道路工程, 一标段',
      section: 'S1',
      room: 'R1',
      booth: 'b1',
      planBooth: 'b1',
      seat: 1,
      scheduledSignIn: '2026-12-07T09:00:00+08:00',
      signedInAt: '2026-12-07T08:55:00+08:00',
      lateMinutes: 0,
      lateMinutesReliable: true,
      clockSynced: true,
      method: 'face',
      action: 'sign',
      witnessStaffId: null,
      overrideStaffId: null,
      signId: 'SIGN-E01',
      signRecords: 1,
      inPlan: true,
      note: '',
    });
  });

  it('daily: dissent by staff witness, late minutes from an unsynchronised clock are marked', () => {
    expect(rows.get('P1/E02')).toMatchObject({
      action: 'dissent',
      method: 'staff-witness',
      witnessStaffId: 'ST1',
      lateMinutes: 12,
      lateMinutesReliable: false,
      clockSynced: false,
    });
    expect(rows.get('P1/E02')?.note).toContain('clock not synchronised');
    expect(rows.get('P1/E03')).toMatchObject({ action: 'refuse', signedInAt: '2026-12-07T09:01:00+08:00' });
  });

  it('daily: a no-show at close is absent; a sign (at another booth, from a newer version) beats a no-show', () => {
    expect(rows.get('P1/E04')).toMatchObject({ action: 'absent', booth: 'b1', signedInAt: null, lateMinutes: null });
    expect(rows.get('P1/E04')?.note).toContain('no-show at session close');
    expect(rows.get('P1/E05')).toMatchObject({ action: 'sign', booth: 'b2', planBooth: 'b1', lateMinutes: 40 });
    expect(rows.get('P1/E05')?.note).toContain('came to booth b2, not the planned b1');
  });

  it('daily: an override replaces the choice; sign-in and late minutes stay those of the first record', () => {
    expect(rows.get('P2/E06')).toMatchObject({
      action: 'dissent',
      signId: 'SIGN-E06b',
      overrideStaffId: 'ST9',
      signedInAt: '2026-12-07T10:05:00+08:00',
      lateMinutes: 5,
      signRecords: 2,
    });
  });

  it('daily: no record, or only a no-show from a replaced version -> unknown, listed for follow-up', async () => {
    expect(rows.get('P2/E07')).toMatchObject({ action: UNKNOWN, booth: 'b2', signedInAt: null });
    expect(rows.get('P4/E09')).toMatchObject({ action: UNKNOWN });
    expect(rows.get('P4/E09')?.note).toContain('replaced');
    const { followUp } = await dailyReport(ctx, D);
    expect(followUp).toEqual([
      expect.objectContaining({
        expertId: 'E07',
        projectId: 'P2',
        booth: 'b2',
        scheduledSignIn: '2026-12-07T10:00:00+08:00',
        boothLastContactAt: '2026-12-07T10:00:00+08:00',
      }),
      expect.objectContaining({ expertId: 'E09', projectId: 'P4', booth: 'b3', boothLastContactAt: null }),
    ]);
  });

  it('daily: a sign record the plan does not have is kept, marked not in the plan', () => {
    expect(rows.get('P3/E10')).toMatchObject({ action: 'sign', inPlan: false, booth: 'b1' });
  });

  it('project: who was assigned and what each did; completion time only when every seat is done', async () => {
    const r = await projectReport(ctx, D);
    expect(r.rows.map((p) => p.projectId)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    const [p1, p2, p3, p4, p5] = r.rows;
    const ids = (l: { expertId: string }[] | undefined) => l?.map((e) => e.expertId);
    expect(ids(p1?.assigned)).toEqual(['E01', 'E02', 'E03', 'E04', 'E05']);
    expect(ids(p1?.signed)).toEqual(['E01', 'E05']);
    expect(ids(p1?.dissented)).toEqual(['E02']);
    expect(ids(p1?.refused)).toEqual(['E03']);
    expect(ids(p1?.absent)).toEqual(['E04']);
    expect(p1?.completedAt).toBeNull();
    expect(ids(p2?.unknown)).toEqual(['E07']);
    expect(p2?.completedAt).toBeNull();
    // P3 is complete with E08's record; E10's record is not a planned seat.
    expect(p3).toMatchObject({ completedAt: '2026-12-07T10:53:00+08:00', booth: 'b1' });
    expect(ids(p3?.assigned)).toEqual(['E08']);
    expect(ids(p4?.unknown)).toEqual(['E09']);
    expect(p5).toMatchObject({ assigned: [], completedAt: null, scheduledStart: '2026-12-07T15:00:00+08:00' });
    expect(r.followUp.map((f) => f.expertId)).toEqual(['E07', 'E09']);
  });

  it('project: the completion time is the last seat to be done (a refusal, with no sealing, counts)', async () => {
    await project(t.db, { date: '2026-12-10', id: 'Q', room: 'R1', booth: 'b1', start: '09:00' });
    await assign(t.db, { date: '2026-12-10', project: 'Q', expert: 'E02', seat: 1, time: '09:00' });
    await assign(t.db, { date: '2026-12-10', project: 'Q', expert: 'E03', seat: 2, time: '09:00' });
    const q = { date: '2026-12-10', booth: 'b1', project: 'Q', scheduled: '09:00' };
    await sign(t.db, { ...q, expert: 'E02', seat: 1, signedIn: '09:10', sealed: '09:20' });
    expect((await projectReport(ctx, '2026-12-10')).rows[0]?.completedAt).toBeNull();
    await sign(t.db, { ...q, expert: 'E03', seat: 2, action: 'refuse', signedIn: '09:30', sealed: null });
    expect((await projectReport(ctx, '2026-12-10')).rows[0]?.completedAt).toBe('2026-12-10T09:30:00+08:00');
  });

  it('credit: per expert over the day', async () => {
    const c = await creditReport(ctx, D, D);
    const by = new Map(c.rows.map((r) => [r.expertId, r]));
    expect(by.get('E01')).toMatchObject({
      assigned: 1,
      attended: 1,
      signed: 1,
      lateCount: 0,
      failedAttempts: 2 + 3 + 1,
      lockedOut: 1,
    });
    expect(by.get('E02')).toMatchObject({
      expertName: 'Li, "Lei"',
      dissent: 1,
      lateCount: 1,
      lateMinutes: 12,
      lateUnsyncedCount: 1,
      lateUnsyncedMinutes: 12,
      staffWitnessed: 1,
    });
    expect(by.get('E03')).toMatchObject({ attended: 1, refused: 1 });
    expect(by.get('E04')).toMatchObject({ assigned: 1, attended: 0, absent: 1 });
    expect(by.get('E05')).toMatchObject({ attended: 1, signed: 1, absent: 0, lateCount: 1, lateMinutes: 40 });
    expect(by.get('E06')).toMatchObject({ dissent: 1, overrides: 1, lateMinutes: 5 });
    expect(by.get('E07')).toMatchObject({ assigned: 1, attended: 0, unknown: 1, absent: 0 });
    expect(by.get('E10')).toMatchObject({ assigned: 0, unplanned: 1 });
    expect(c.unattributed).toEqual({ visits: 1, failedAttempts: 3, lockedOut: 1 });
    expect(c.followUp.map((f) => f.expertId)).toEqual(['E07', 'E09']);
    expect(c.followUp).toEqual((await dailyReport(ctx, D)).followUp);
  });

  it('credit: both dates inclusive, as local dates in the centre time zone', async () => {
    const c = await creditReport(ctx, D, '2026-12-08');
    const e01 = c.rows.find((r) => r.expertId === 'E01');
    // 12-07 and 12-08, not 12-06 or 12-09; the visits of 00:30 local on 12-07 in, on 12-09 out.
    expect(e01).toMatchObject({ assigned: 2, attended: 2, lateCount: 1, lateMinutes: 3, failedAttempts: 6 });
    const wider = await creditReport(ctx, '2026-12-06', '2026-12-09');
    expect(wider.rows.find((r) => r.expertId === 'E01')).toMatchObject({
      assigned: 4,
      lateCount: 3,
      failedAttempts: 13,
    });
  });

  it('an empty day is an empty report', async () => {
    expect(await dailyReport(ctx, '2026-11-30')).toMatchObject({ rows: [], followUp: [] });
    expect(await projectReport(ctx, '2026-11-30')).toMatchObject({ rows: [], followUp: [] });
    expect(await creditReport(ctx, '2026-11-01', '2026-11-30')).toMatchObject({
      rows: [],
      followUp: [],
      unattributed: { visits: 0, failedAttempts: 0, lockedOut: 0 },
    });
  });

  it('bad input: a date that does not exist, a period backwards -> BOOTH_ERR_BAD_INPUT', async () => {
    await expect(dailyReport(ctx, '2026-13-01')).rejects.toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
    await expect(projectReport(ctx, '2026-02-30')).rejects.toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
    await expect(creditReport(ctx, '2026-12-08', D)).rejects.toMatchObject({
      code: 'BOOTH_ERR_BAD_INPUT',
      message: '--from 2026-12-08 is after --to 2026-12-07',
    });
  });
});
