import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { parseCentralConfig } from '../central/config/load.js';
import type { CentralContext } from '../central/context.js';
import { opNamed } from '../central/ops/index.js';
import { initKeys } from '../central/pki/keys.js';
import { CentralService } from '../central/service.js';
import { PRODUCTION_ENV } from '../device/systemd/environment.js';

/**
 * `npm run demo:central`: a whole day at a trading centre, headless, with the real parts:
 * `booth-central` in this process (embedded PGlite, or PostgreSQL with DATABASE_URL), three
 * booths as their own processes (`booth provision` against it, then `booth start --hardware sim`:
 * simulated camera showing expert A, replayed tablet). The centre imports the example plan
 * (central/examples/day-plan), publishes, unlocks; experts sign, dissent, refuse, by face and
 * staff-witnessed; one expert never comes; hall-3's booth is switched off before its session is
 * closed. Booths push as they go; the centre also pulls, verifies, and reports.
 * Prints ONE JSON object (docs/central.md, "The demo").
 */
const root = resolve(new URL('../..', import.meta.url).pathname);
const STAFF = { staffId: 'staff-01', pin: '246810' };
const ID_NUMBERS: Record<string, string> = {
  'EXP-1002': '310104197008250625',
  'EXP-1003': '440304197801150830',
};
const TIMEOUT_MS = 90_000;

interface KioskView {
  screen: string;
  receipt?: { recordId: string } | null;
  rejectedReason?: string | null;
  failedCode?: string | null;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'booth.js'), ...args], { env, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, out })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** One simulated booth process and its kiosk API. */
class Booth {
  child: ChildProcess | null = null;
  log = '';
  /** The kiosk screens this run went through (said when something fails). */
  readonly trace: string[] = [];
  constructor(
    readonly id: string,
    readonly dir: string,
    readonly kioskPort: number,
    readonly pullPort: number,
  ) {}

  get config(): string {
    return join(this.dir, 'booth.json');
  }

  get base(): string {
    return `http://127.0.0.1:${this.kioskPort}`;
  }

  async start(env: NodeJS.ProcessEnv): Promise<void> {
    this.child = spawn(process.execPath, [join(root, 'bin', 'booth.js'), 'start', '--config', this.config], {
      env: { ...env, ...PRODUCTION_ENV },
      stdio: 'pipe',
    });
    this.child.stdout?.on('data', (c: Buffer) => (this.log += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.log += c.toString()));
    await waitFor(`${this.id} to hold an unlocked session`, async () => {
      const s = (await (await fetch(`${this.base}/api/kiosk/session`)).json()) as {
        installed: boolean;
        sealed: boolean;
      };
      return s.installed && !s.sealed ? s : null;
    });
  }

  async stop(): Promise<void> {
    await writeFile(join(this.dir, 'booth.log'), this.log).catch(() => undefined);
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('close', r));
    c.kill('SIGTERM');
    await exited;
  }

  async post(path: string, body?: unknown): Promise<KioskView & { noShows?: number }> {
    const res = await fetch(`${this.base}/api/kiosk/${path}`, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as KioskView & { code?: string; message?: string };
    this.trace.push(`${path} -> ${res.status} ${json.screen ?? json.code}`);
    if (!res.ok) throw new Error(`${this.id} ${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`);
    return json;
  }

  async until(pred: (v: KioskView) => boolean, what: string): Promise<KioskView> {
    return waitFor(`${this.id}: ${what}`, async () => {
      const v = (await (await fetch(`${this.base}/api/kiosk/state`)).json()) as KioskView;
      return pred(v) ? v : null;
    });
  }

  /**
   * One visit, one project: by face (the simulated camera shows expert A) or staff-witnessed
   * (ID number + staff PIN, for experts who decline face recognition), then the action.
   */
  async visit(o: {
    by: 'face' | 'witness';
    expertId: string;
    projectId: string;
    action: 'sign' | 'dissent' | 'refuse';
    reason?: string;
  }): Promise<string> {
    await this.post('begin');
    if (o.by === 'face') {
      await this.post('consent', { accepted: true, version: 'face-consent/1' });
      const v = await this.until((x) => x.screen !== 'capture', 'the face decision');
      if (v.screen !== 'projects') throw new Error(`${this.id}: not verified (${v.screen} ${v.rejectedReason ?? ''})`);
    } else {
      await this.post('consent', { accepted: false, version: 'face-consent/1' });
      const v = await this.post('witness', { ...STAFF, idNumber: ID_NUMBERS[o.expertId] ?? '' });
      if (v.screen !== 'projects') throw new Error(`${this.id}: witness not accepted (${v.screen})`);
    }
    await this.post('project', { projectId: o.projectId });
    await this.post('action', { action: o.action, reason: o.reason ?? '' });
    if (o.action !== 'refuse') {
      await this.until((x) => x.screen === 'signing', 'the signing screen');
      // The simulated tablet replays a recorded signature when signing starts; let it finish.
      await sleep(2500);
      await this.post('signature/done');
    }
    await this.post('confirm');
    const r = await this.until((x) => x.screen !== 'sealing' && x.screen !== 'confirm', 'the seal');
    if (r.screen !== 'receipt' || !r.receipt)
      throw new Error(
        `${this.id}: sealing failed (${r.failedCode ?? r.screen}) after ${this.trace.slice(-8).join(', ')}`,
      );
    await this.post('finish');
    await this.until((x) => x.screen === 'idle', 'idle');
    return r.receipt.recordId;
  }
}

/** Today in the centre's time zone. */
function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

export async function centralDay(work: string): Promise<Record<string, unknown>> {
  const centralDir = join(work, 'central');
  const config = parseCentralConfig(
    {
      dataDir: centralDir,
      server: { host: '127.0.0.1', port: await freePort(), names: ['localhost', '127.0.0.1'] },
      admin: { port: 0 },
      log: { level: 'silent' },
      // The demo runs at any hour: the example plan's sessions stay open for two days.
      packages: { expiresAfterLastStartHours: 48 },
      // Pulled on demand below (collect), beside the booths' own pushes.
      collect: { intervalMs: 3_600_000 },
    },
    'demo',
  );
  await initKeys(centralDir, { centreName: config.centre.name, serverNames: config.server.names });
  const central = new CentralService({ config, log: pino({ level: 'silent' }) });
  await central.start();
  const ctx = central.ctx as CentralContext;
  const op = <T>(name: string, input: unknown): Promise<T> => opNamed(name).run(ctx, input as never) as Promise<T>;
  const booths: Booth[] = [];
  const env = { ...process.env, BOOTH_CONFIG: '', BOOTH_CENTRAL_CONFIG: '' };
  try {
    // 1. Three booths, enrolled by the technician's command with one-time tokens.
    for (const [id, room] of [
      ['hall1-b1', 'hall-1'],
      ['hall2-b1', 'hall-2'],
      ['hall3-b1', 'hall-3'],
    ] as const) {
      const b = new Booth(id, join(work, id), await freePort(), await freePort());
      await mkdir(b.dir, { recursive: true });
      await writeFile(
        b.config,
        JSON.stringify({
          http: { port: b.kioskPort },
          log: { level: 'info' },
          tuning: { enabled: false },
          hardware: { camera: { mode: 'sim' }, tablet: { mode: 'sim' }, leds: { mode: 'sim' } },
          // The simulated camera shows still photos, which cannot blink (docs/face.md).
          visit: { activeLiveness: false },
          sync: { pull: { host: '127.0.0.1', port: b.pullPort }, push: { idlePollMs: 1000, backoffBaseMs: 200 } },
        }),
      );
      await op('booth.add', { id, room, pullUrl: `https://127.0.0.1:${b.pullPort}` });
      const { token } = await op<{ token: string }>('token.issue', { boothId: id });
      const p = await run(
        [
          'provision',
          ...['--central', `https://localhost:${config.server.port}`, '--token', token],
          ...['--central-ca', join(centralDir, 'keys', 'ca.cert.pem'), '--config', b.config],
          ...['--data-dir', join(b.dir, 'data'), '--yes', '--skip-models'],
          ...['--camera', 'none', '--tablet', 'none', '--gpio-chip', 'none', '--tuning-password-file', '/dev/null'],
        ],
        env,
      );
      if (p.code !== 0) throw new Error(`provision ${id} exited ${p.code}: ${p.out.slice(-1500)}`);
      booths.push(b);
    }

    // 2. The day plan, published and unlocked (名单解密).
    const date = localDate(ctx.clock.now(), config.packages.timeZone);
    await op('plan.import', { path: join(root, 'central', 'examples', 'day-plan'), date });
    await op('publish', { date });
    await op('unlock', { date });
    const published = (
      await ctx.db.query<{ packageId: string; projectId: string; documentId: string; sha256: string }>(
        `SELECT d.package_id AS "packageId", d.project_id AS "projectId", d.document_id AS "documentId", d.sha256
           FROM package_documents d JOIN packages p ON p.package_id = d.package_id AND p.version = d.version
          WHERE p.date = $1 ORDER BY 1, 2, 3`,
        [date],
      )
    ).rows;
    for (const b of booths) await b.start(env);
    const [hall1, hall2, hall3] = booths as [Booth, Booth, Booth];

    // 3. The visits.
    await hall1.visit({ by: 'face', expertId: 'EXP-1001', projectId: 'P-2026-101', action: 'sign' });
    await hall1.visit({
      by: 'witness',
      expertId: 'EXP-1002',
      projectId: 'P-2026-101',
      action: 'dissent',
      reason: '报价评分计算有误',
    });
    await hall1.visit({ by: 'witness', expertId: 'EXP-1003', projectId: 'P-2026-101', action: 'refuse' });
    await hall1.visit({ by: 'face', expertId: 'EXP-1001', projectId: 'P-2026-102', action: 'sign' });
    // EXP-1003 never comes to P-2026-102: the session close records the no-show.
    await hall2.visit({ by: 'face', expertId: 'EXP-1001', projectId: 'P-2026-201', action: 'sign' });
    await hall2.visit({ by: 'witness', expertId: 'EXP-1002', projectId: 'P-2026-201', action: 'sign' });
    await hall3.visit({ by: 'face', expertId: 'EXP-1001', projectId: 'P-2026-301', action: 'sign' });

    // 4. hall-3's booth is switched off before its session is closed (after its push went through).
    await waitForPushed(ctx, 'hall3-b1', hall3);
    await hall3.stop();
    for (const b of [hall1, hall2]) await b.post('session/close', STAFF);
    for (const b of [hall1, hall2]) await waitForPushed(ctx, b.id, b);

    // 5. Collect (pull, beside the pushes), verify, report.
    const collected = await op<{ booths: { boothId: string; ok: boolean; error?: string }[] }>('collect', {});
    const status = await op<{ problems: unknown[]; alerts: string[] }>('status', {});
    const count = async (sql: string) => Number((await ctx.db.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
    const signRecords = (
      await ctx.db.query<{ payload: Record<string, unknown> }>(
        "SELECT payload FROM records WHERE kind = 'sign' ORDER BY booth_id, seq",
      )
    ).rows.map((r) => r.payload);
    const daily = await op<{ rows: unknown[]; followUp: unknown[] }>('report.daily', { date });
    const credit = await op<{ rows: unknown[] }>('report.credit', { from: date, to: date });
    return {
      date,
      booths: booths.map((b) => b.id),
      recordsCollected: await count('SELECT count(*) AS n FROM records'),
      recordsVerified: await count("SELECT count(*) AS n FROM records WHERE status = 'stored'"),
      problems: status.problems,
      alerts: status.alerts,
      pulls: collected.booths,
      pdfsArchived: await count('SELECT count(*) AS n FROM sealed_pdfs'),
      pdfsValid: await count("SELECT count(*) AS n FROM sealed_pdfs WHERE status = 'valid'"),
      published,
      signRecords,
      daily: daily.rows,
      followUp: daily.followUp,
      credit: credit.rows,
    };
  } finally {
    for (const b of booths) await b.stop().catch(() => undefined);
    await central.stop();
  }
}

/** Until the central ledger holds every record the booth committed (the booth's /readyz says how many). */
async function waitForPushed(ctx: CentralContext, boothId: string, booth: Booth): Promise<void> {
  await waitFor(`${boothId}'s records at the central server`, async () => {
    const ready = (await (await fetch(`${booth.base}/readyz`)).json()) as {
      checks: { name: string; detail: string }[];
    };
    const held = Number(/^(\d+) records/.exec(ready.checks.find((c) => c.name === 'store')?.detail ?? '')?.[1] ?? -1);
    const head = await ctx.db.query<{ last_seq: number }>('SELECT last_seq FROM chain_heads WHERE booth_id = $1', [
      boothId,
    ]);
    return held > 0 && head.rows[0]?.last_seq === held ? held : null;
  });
}

if (process.argv[1]?.endsWith('demo/central-day.js')) {
  const work = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'central-day-')));
  try {
    const out = await centralDay(work);
    process.stdout.write(`${JSON.stringify({ ok: true, work, ...out }, null, 2)}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ ok: false, work, error: (err as Error).message })}\n`);
    for (const id of ['hall1-b1', 'hall2-b1', 'hall3-b1']) {
      const logs = await readFile(join(work, id, 'booth.log'), 'utf8').catch(() => '');
      if (logs) process.stderr.write(`--- ${id}\n${logs.slice(-3000)}\n`);
    }
    process.exitCode = 1;
  }
}
