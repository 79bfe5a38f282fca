/**
 * Central collection benchmark (issue 12, "Scale"). Prints ONE JSON object.
 *
 * A fleet of real booths (bench/central-fleet.ts, its own process: device/store journals with
 * realistic sign / visit / no-show / audit records and really sealed PDF revisions, each booth's
 * device/sync pull API on a loopback port with its CA-issued certificate) is collected by the
 * central's collector (central/collect: mutual TLS, booth recognised by certificate id, every
 * batch and record hash and signature and the chain verified, payloads schema-checked, facts
 * written in the same transaction, sealed revisions fetched and verified as PDFs) into
 *  (a) the embedded PGlite (in a data directory, as `booth-central` runs without DATABASE_URL);
 *  (b) a PostgreSQL server: DATABASE_URL, else a throw-away durable cluster (fsync on).
 * Each backend is measured BENCH_RUNS times on a fresh database: records/s, the central
 * process's CPU seconds per 1,000 records (less sensitive to a shared machine than wall time),
 * and peak RSS of the central process (PostgreSQL first: PGlite's WebAssembly memory, once
 * grown, stays with the process). Booths' journals are built once and reused.
 *
 * npm run bench:central   (BENCH_BOOTHS=50 BENCH_RECORDS=2000 BENCH_PDFS=2 BENCH_RUNS=3
 *                          BENCH_CONCURRENCY=4 BENCH_BACKENDS=postgres,pglite BENCH_DIR=...)
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import pg from 'pg';
import { BlobFiles } from '../central/blobs.js';
import { Collector } from '../central/collect/scheduler.js';
import { parseCentralConfig } from '../central/config/load.js';
import type { CentralContext } from '../central/context.js';
import { centralPaths } from '../central/data-dir.js';
import type { Db } from '../central/db/db.js';
import { migrate } from '../central/db/migrate.js';
import { MIGRATIONS } from '../central/db/migrations/index.js';
import { openPglite } from '../central/db/pglite.js';
import { benchCentralReports } from './central-reports.js';
import { openPostgres } from '../central/db/postgres.js';
import { withDatabase } from '../central/db/url.js';
import { initKeys, loadKeys } from '../central/pki/keys.js';
import { projectRoot } from '../protocol/project-root.js';
import { registerBooth } from './central-samples.js';

const BOOTHS = Number(process.env.BENCH_BOOTHS ?? 50);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 2000);
const PDFS = Number(process.env.BENCH_PDFS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'postgres,pglite').split(',') as ('pglite' | 'postgres')[];

interface FleetBooth {
  boothId: string;
  certPem: string;
  serial: string;
  publicKeyPem: string;
  keyPem: string;
  url: string;
  lastSeq: number;
}

async function startFleet(root: string, ca: { certPem: string; keyPem: string }) {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'bench', 'central-fleet.js')], {
    env: { ...process.env, BENCH_FLEET: JSON.stringify({ root, booths: BOOTHS, records: RECORDS, pdfs: PDFS, ca }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fleet exited with ${code}`)));
  });
  const fleet = JSON.parse(line) as { booths: FleetBooth[]; buildSeconds: number };
  const lines = rl;
  return {
    ...fleet,
    /** The fleet process's CPU milliseconds so far. */
    cpuMs: () =>
      new Promise<number>((resolve) => {
        lines.once('line', (l) => {
          const u = JSON.parse(l) as { user: number; system: number };
          resolve((u.user + u.system) / 1000);
        });
        child.stdin.write('cpu\n');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

async function postgresServer(root: string): Promise<{ url: string; stop(): void; durable: boolean | null }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: () => undefined, durable: null };
  const cluster = (await import(join(projectRoot(), 'scripts', 'pg-cluster.mjs'))) as {
    startCluster(dir: string, o: { durable: boolean }): string;
    stopCluster(dir: string): void;
  };
  const dir = join(root, 'pg');
  const url = cluster.startCluster(dir, { durable: true });
  return { url, stop: () => cluster.stopCluster(dir), durable: true };
}

async function freshDb(
  backend: 'pglite' | 'postgres',
  root: string,
  serverUrl: string | null,
  run: number,
): Promise<{ db: Db; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const dir = join(root, `pglite-${run}`);
    const db = await openPglite(dir);
    await migrate(db, MIGRATIONS);
    return {
      db,
      async drop() {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `bench_central_${process.pid}_${run}`;
  const admin = new pg.Client({ connectionString: serverUrl ?? '' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = await openPostgres(withDatabase(serverUrl ?? '', name), { max: CONCURRENCY + 2 });
  await migrate(db, MIGRATIONS);
  return {
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: serverUrl ?? '' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * CPU milliseconds used by the PostgreSQL server so far: every `postgres` process, plus what the
 * postmaster collected from backends that already exited (cutime/cstime). Linux /proc only.
 */
async function postgresCpuMs(): Promise<number | null> {
  try {
    const tick = 100; // USER_HZ on Linux
    let total = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const name = /\(([^)]*)\)/.exec(stat)?.[1];
      if (name !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppidName = /\(([^)]*)\)/.exec(await readFile(`/proc/${f[1]}/stat`, 'utf8').catch(() => ''))?.[1];
      total += Number(f[11]) + Number(f[12]);
      if (ppidName !== 'postgres') total += Number(f[13]) + Number(f[14]);
    }
    return (total * 1000) / tick;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function measure(
  backend: 'pglite' | 'postgres',
  root: string,
  centralDir: string,
  serverUrl: string | null,
  fleet: FleetBooth[],
  fleetCpuMs: () => Promise<number>,
  run: number,
) {
  const { db, drop } = await freshDb(backend, root, serverUrl, run);
  const blobsDir = join(root, `blobs-${backend}-${run}`);
  await mkdir(blobsDir, { recursive: true });
  const config = parseCentralConfig(
    { dataDir: centralDir, log: { level: 'silent' }, collect: { concurrency: CONCURRENCY, batchLimit: 1000 } },
    'bench',
    {},
    {},
  );
  const paths = { ...centralPaths(centralDir), blobs: blobsDir, quarantine: join(blobsDir, 'quarantine') };
  const ctx: CentralContext = {
    config,
    db,
    keys: await loadKeys(centralDir),
    paths,
    blobs: new BlobFiles(blobsDir),
    clock: { now: () => Date.now() },
    log: pino({ level: 'silent' }),
  };
  try {
    for (const b of fleet) await registerBooth(db, b, { pullUrl: b.url.replace('127.0.0.1', 'localhost') });
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const fleet0 = await fleetCpuMs();
    const pg0 = backend === 'postgres' ? await postgresCpuMs() : 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const rounds = await new Collector(ctx).once();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const fleetMs = (await fleetCpuMs()) - fleet0;
    const pg1 = backend === 'postgres' ? await postgresCpuMs() : 0;
    const pgMs = pg0 !== null && pg1 !== null ? pg1 - pg0 : null;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const failed = rounds.filter((r) => !r.ok);
    if (failed.length) throw new Error(`pull failed: ${failed.map((f) => `${f.boothId}: ${f.error}`).join('; ')}`);
    const stored = rounds.reduce((s, r) => s + (r.outcome?.stored ?? 0), 0);
    const check = await db.query<{ records: number; heads: number; valid: number; flagged: number; facts: number }>(
      `SELECT (SELECT count(*) FROM records) AS records, (SELECT coalesce(sum(last_seq), 0) FROM chain_heads)::bigint AS heads,
              (SELECT count(*) FROM sealed_pdfs WHERE status = 'valid') AS valid,
              (SELECT count(*) FROM sealed_pdfs WHERE status = 'flagged') AS flagged,
              (SELECT count(*) FROM sign_facts) + (SELECT count(*) FROM visit_facts) + (SELECT count(*) FROM no_show_facts) AS facts`,
    );
    const c = check.rows[0];
    const expected = fleet.reduce((s, b) => s + b.lastSeq, 0);
    if (
      !c ||
      c.records !== expected ||
      c.heads !== expected ||
      stored !== expected ||
      c.valid !== BOOTHS * PDFS ||
      c.flagged
    )
      throw new Error(`collected ledger is not what the fleet holds: ${JSON.stringify({ ...c, stored, expected })}`);
    const size =
      backend === 'postgres'
        ? (await db.query<{ bytes: number }>('SELECT pg_database_size(current_database())::bigint AS bytes')).rows[0]
            ?.bytes
        : null;
    return {
      records: stored,
      facts: c.facts,
      sealedPdfsVerified: c.valid,
      seconds: round(seconds, 2),
      recordsPerSecond: Math.round(stored / seconds),
      centralCpuMsPer1000Records: Math.round(((cpu.user + cpu.system) / 1000 / stored) * 1000),
      fleetCpuMsPer1000Records: Math.round((fleetMs / stored) * 1000),
      postgresServerCpuMsPer1000Records: pgMs === null ? null : Math.round((pgMs / stored) * 1000),
      // What the measured CPU work would allow on this machine's cores with nothing else running.
      idleMachineRecordsPerSecond: Math.round(
        (cpus().length * 1000 * stored) / ((cpu.user + cpu.system) / 1000 + fleetMs + (pgMs ?? 0)),
      ),
      peakRssMB: Math.round(peakRss / 1e6),
      rssBeforeMB: Math.round(rssBefore / 1e6),
      databaseBytesPerRecord: size ? Math.round(size / stored) : null,
    };
  } finally {
    await drop();
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'central-bench-'));
  const centralDir = join(root, 'central');
  await initKeys(centralDir, { centreName: 'Bench centre', serverNames: ['localhost'] });
  const keys = await loadKeys(centralDir);
  // The throw-away cluster runs as user postgres (as root): it must traverse the folder.
  await chmod(root, 0o755);
  const fleet = await startFleet(join(root, 'booths'), keys.ca);
  let server: Awaited<ReturnType<typeof postgresServer>> | null = null;
  const out: Record<string, unknown> = {
    machine: { cpus: cpus().length, loadavgAtStart: loadavg().map((x) => round(x, 2)) },
    fleet: {
      booths: fleet.booths.length,
      recordsPerBooth: RECORDS,
      sealedPdfsPerBooth: PDFS,
      buildSeconds: round(fleet.buildSeconds, 1),
      via: 'pull (device/sync pull API, mutual TLS, booth checked by certificate id)',
      concurrency: CONCURRENCY,
    },
  };
  try {
    if (BACKENDS.includes('postgres')) server = await postgresServer(root);
    for (const backend of BACKENDS) {
      const runs = [];
      for (let run = 1; run <= RUNS; run++)
        runs.push(await measure(backend, root, centralDir, server?.url ?? null, fleet.booths, fleet.cpuMs, run));
      out[backend] = {
        ...(backend === 'postgres'
          ? { server: process.env.DATABASE_URL ? 'DATABASE_URL' : 'throw-away cluster, fsync on' }
          : {}),
        median: {
          recordsPerSecond: median(runs.map((r) => r.recordsPerSecond)),
          centralCpuMsPer1000Records: median(runs.map((r) => r.centralCpuMsPer1000Records)),
          peakRssMB: median(runs.map((r) => r.peakRssMB)),
          idleMachineRecordsPerSecond: median(runs.map((r) => r.idleMachineRecordsPerSecond)),
        },
        runs,
      };
    }
    // The reports over 30 days x 1,000 experts (bench/central-reports.ts), on each database.
    // Goal: the daily report <= 1 s.
    const reports: Record<string, unknown> = {};
    for (const backend of BACKENDS) {
      const { db, drop } = await freshDb(backend, root, server?.url ?? null, 0);
      try {
        const r = await benchCentralReports(db);
        reports[backend] = { dailyP50Ms: r.daily.p50Ms, creditP50Ms: r.credit.p50Ms, projectP50Ms: r.project.p50Ms };
      } finally {
        await drop();
      }
    }
    out.dailyReport30Days1000Experts = reports;
    out.machine = { ...(out.machine as object), loadavgAtEnd: loadavg().map((x) => round(x, 2)) };
  } finally {
    await fleet.stop();
    server?.stop();
    await rm(root, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
