import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCentralConfig } from '../central/config/load.js';
import type { Db } from '../central/db/db.js';
import { migrate } from '../central/db/migrate.js';
import { MIGRATIONS } from '../central/db/migrations/index.js';
import { creditReport } from '../central/reports/credit.js';
import { dailyReport } from '../central/reports/daily.js';
import { projectReport } from '../central/reports/project.js';
import { nextDate } from '../central/reports/time.js';

/**
 * The reports at the scale: 30 days x 1,000 experts (30,000 assignments, about as many
 * sign facts, visit facts, and some no-shows) in a migrated database, then the daily log and the
 * project report of one day and the credit report over the whole 30 days, each run several times
 * (p50, min, max in ms). Goal: the daily report <= 1 s.
 *
 * `benchCentralReports(db)` is what bench/central.ts calls on its own databases; it seeds with
 * its own ids (experts `RX…`, booths `rb-…`) and dates (from 2031-01-01 by default), idempotent,
 * so it can share a database with other data. Run alone (`npm run bench:central-reports`) it
 * measures an embedded PGlite in a temporary directory and a PostgreSQL server (DATABASE_URL,
 * else a throw-away durable cluster from scripts/pg-cluster.mjs) and prints ONE JSON object.
 *
 * The seeded day, per expert i (0..999) on day d: project i/5 (200 projects, 5 seats each, at
 * booth i/5 mod 50); a sign record for 9 in 10 (every 17th a dissent, every 29th a refusal, every
 * 11th staff-witnessed, every 13th from an unsynchronised clock, late 0..9 minutes for 1 in 3),
 * a no-show at close for 1 in 20, nothing for 1 in 20 (unknown); one visit per sign with 0..2
 * failed attempts.
 */
export interface ReportsBenchOptions {
  days?: number;
  experts?: number;
  runs?: number;
  firstDate?: string;
  timeZone?: string;
}

export interface Timing {
  p50Ms: number;
  minMs: number;
  maxMs: number;
}

export interface ReportsBenchResult {
  database: string;
  days: number;
  experts: number;
  assignments: number;
  signFacts: number;
  noShowFacts: number;
  visitFacts: number;
  seedSeconds: number;
  daily: Timing & { rows: number; followUp: number; target: string };
  project: Timing & { rows: number };
  credit: Timing & { rows: number; followUp: number; days: number };
}

const round = (x: number) => Math.round(x * 10) / 10;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm: plans cached, pages in memory
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: round(ms[Math.floor(ms.length / 2)] ?? 0), minMs: round(ms[0] ?? 0), maxMs: round(ms.at(-1) ?? 0) };
}

/** Seeds the plan and the facts with set-based SQL ($1 first date, $2 days, $3 experts, $4 time zone). */
export async function seedReports(db: Db, o: Required<Omit<ReportsBenchOptions, 'runs'>>): Promise<void> {
  const p = [o.firstDate, o.days, o.experts, o.timeZone];
  const grid = `FROM generate_series(0, $2::int - 1) AS d, generate_series(0, $3::int - 1) AS i`;
  const day = `($1::date + d)`;
  const proj = `'RP-' || lpad((i / 5)::text, 4, '0')`;
  const boothOf = (x: string) => `'rb-' || lpad(((${x}) % 50)::text, 2, '0')`;
  const expert = `'RX' || lpad(i::text, 5, '0')`;
  const sched = `((${day} + time '08:00' + ((i / 5) % 8) * interval '1 hour') AT TIME ZONE $4::text)`;
  // Unique per date (not per day of this run): seeds of other periods can share the database.
  const seq = `(${day} - date '2000-01-01')::bigint * $3::int`;
  const late = `CASE WHEN (i + d) % 3 = 0 THEN (i * 7 + d) % 10 ELSE 0 END`;
  await db.tx(async (q) => {
    await q.query(
      `INSERT INTO booths (id, room) SELECT ${boothOf('b')}, 'RR-' || b FROM generate_series(0, 49) AS b ON CONFLICT DO NOTHING`,
    );
    await q.query(
      `INSERT INTO experts (id, name, id_number, updated_at)
       SELECT ${expert}, '专家' || i, 'x', now() FROM generate_series(0, $1::int - 1) AS i ON CONFLICT DO NOTHING`,
      [o.experts],
    );
    await q.query(
      `INSERT INTO plan_projects (date, id, name, section, room, booth_id, scheduled_start)
       SELECT ${day}, ${proj}, '项目 ' || (i / 5), '1', 'RR-' || ((i / 5) % 50), ${boothOf('i / 5')}, ${sched}
       ${grid} WHERE i % 5 = 0 ON CONFLICT DO NOTHING`,
      p,
    );
    await q.query(
      `INSERT INTO plan_assignments (date, project_id, expert_id, seat, scheduled_sign_in)
       SELECT ${day}, ${proj}, ${expert}, i % 5 + 1, ${sched} ${grid} ON CONFLICT DO NOTHING`,
      p,
    );
    await q.query(
      `INSERT INTO sign_facts (booth_id, seq, date, package_id, package_version, sign_id, expert_id, project_id, seat,
         action, method, scheduled_sign_in, signed_in_at, late_minutes, clock_synced, witness_staff_id,
         override_staff_id, documents, sealed_at)
       SELECT ${boothOf('i / 5')}, ${seq} + i, ${day}, ${day} || '.' || ${boothOf('i / 5')}, 1,
         'RS-' || d || '-' || i, ${expert}, ${proj}, i % 5 + 1,
         CASE WHEN i % 17 = 0 THEN 'dissent' WHEN i % 29 = 0 THEN 'refuse' ELSE 'sign' END,
         CASE WHEN i % 11 = 0 THEN 'staff-witness' ELSE 'face' END,
         ${sched}, ${sched} + (${late}) * interval '1 minute', ${late}, i % 13 <> 0,
         CASE WHEN i % 11 = 0 THEN 'ST1' END, NULL, '[]',
         ${sched} + (${late} + 3) * interval '1 minute'
       ${grid} WHERE i % 20 NOT IN (0, 1) ON CONFLICT DO NOTHING`,
      p,
    );
    await q.query(
      `INSERT INTO no_show_facts (booth_id, seq, date, package_id, package_version, expert_id, project_id, seat, cause, closed_at)
       SELECT ${boothOf('i / 5')}, 1000000000000 + ${seq} + i, ${day}, ${day} || '.' || ${boothOf('i / 5')}, 1,
         ${expert}, ${proj}, i % 5 + 1, 'close', ${sched} + interval '10 hours'
       ${grid} WHERE i % 20 = 0 ON CONFLICT DO NOTHING`,
      p,
    );
    await q.query(
      `INSERT INTO visit_facts (booth_id, seq, date, package_id, expert_id, project_id, outcome, method, attempts, started_at, left_at)
       SELECT ${boothOf('i / 5')}, 2000000000000 + ${seq} + i, ${day}, ${day} || '.' || ${boothOf('i / 5')},
         ${expert}, ${proj}, 'completed', 'face', i % 3, ${sched}, ${sched} + interval '5 minutes'
       ${grid} WHERE i % 20 NOT IN (0, 1) ON CONFLICT DO NOTHING`,
      p,
    );
  });
  // Fresh statistics, as autovacuum would have them on a server that has run for a month.
  await db.exec('ANALYZE');
}

export async function benchCentralReports(db: Db, options: ReportsBenchOptions = {}): Promise<ReportsBenchResult> {
  const o = {
    days: options.days ?? 30,
    experts: options.experts ?? 1000,
    firstDate: options.firstDate ?? '2031-01-01',
    timeZone: options.timeZone ?? 'Asia/Shanghai',
  };
  const runs = options.runs ?? 7;
  const config = parseCentralConfig({ packages: { timeZone: o.timeZone } }, 'bench', {}, {});
  const ctx = { db, config };
  const t0 = performance.now();
  await seedReports(db, o);
  const seedSeconds = round((performance.now() - t0) / 1000);
  let last = o.firstDate;
  for (let i = 1; i < o.days; i++) last = nextDate(last);
  let middle = o.firstDate;
  for (let i = 0; i < Math.floor(o.days / 2); i++) middle = nextDate(middle);
  const count = async (table: string, dateCol = 'date') =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${table} WHERE ${dateCol} BETWEEN $1::date AND $2::date`,
        [o.firstDate, last],
      )
    ).rows[0]?.n ?? 0;

  let daily = await dailyReport(ctx, middle);
  const dailyT = await timed(runs, async () => (daily = await dailyReport(ctx, middle)));
  let project = await projectReport(ctx, middle);
  const projectT = await timed(runs, async () => (project = await projectReport(ctx, middle)));
  let credit = await creditReport(ctx, o.firstDate, last);
  const creditT = await timed(Math.max(3, Math.ceil(runs / 2)), async () => {
    credit = await creditReport(ctx, o.firstDate, last);
  });
  return {
    database: db.kind,
    days: o.days,
    experts: o.experts,
    assignments: await count('plan_assignments'),
    signFacts: await count('sign_facts'),
    noShowFacts: await count('no_show_facts'),
    visitFacts: await count('visit_facts'),
    seedSeconds,
    daily: { ...dailyT, rows: daily.rows.length, followUp: daily.followUp.length, target: '<= 1000 ms' },
    project: { ...projectT, rows: project.rows.length },
    credit: { ...creditT, rows: credit.rows.length, followUp: credit.followUp.length, days: o.days },
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-reports-'));
  const out: Record<string, unknown> = {};
  let stopCluster: (() => void) | null = null;
  try {
    const { openPglite } = await import('../central/db/pglite.js');
    const lite = await openPglite(join(root, 'pglite'));
    try {
      await migrate(lite, MIGRATIONS);
      out.pglite = await benchCentralReports(lite);
    } finally {
      await lite.close();
    }

    let server = process.env.DATABASE_URL ?? '';
    if (!server) {
      // npm runs scripts from the repository root; dist/bench and bench/ sit at different depths.
      const script = pathToFileURL(join(process.cwd(), 'scripts', 'pg-cluster.mjs')).href;
      const cluster = (await import(script)) as {
        startCluster(dir: string, o: { durable: boolean }): string;
        stopCluster(dir: string): void;
      };
      // Its own directory under the system temp dir: as root the cluster runs as user postgres,
      // which cannot enter our 0700 temporary directory.
      const dir = await mkdtemp(join(tmpdir(), 'bench-reports-pg-'));
      server = cluster.startCluster(dir, { durable: true });
      stopCluster = () => {
        cluster.stopCluster(dir);
        void rm(dir, { recursive: true, force: true });
      };
    }
    const { openPostgres } = await import('../central/db/postgres.js');
    const { withDatabase } = await import('../central/db/url.js');
    const name = `bench_reports_${process.pid}`;
    const admin = await openPostgres(server, { max: 1 });
    await admin.exec(`CREATE DATABASE ${name}`);
    const pg = await openPostgres(withDatabase(server, name));
    try {
      await migrate(pg, MIGRATIONS);
      out.postgres = await benchCentralReports(pg);
    } finally {
      await pg.close();
      await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    }
    out.machine = { cpus: cpus().length, loadavg1m: round(loadavg()[0] ?? 0), node: process.version };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    stopCluster?.();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
