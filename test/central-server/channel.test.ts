import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralContext } from '../../central/context.js';
import { importPlan } from '../../central/plan/import.js';
import { publishDay } from '../../central/publish/publish.js';
import { unlockDay } from '../../central/publish/unlock.js';
import { statusOp } from '../../central/status/status.js';
import type { Manifest } from '../../protocol/channel.js';
import { createCsr, generateKeyPair, issueCertificate } from '../../protocol/crypto/x509.js';
import { boothUri } from '../../protocol/crypto/booth-id.js';
import { publicKeyFrom } from '../../protocol/session/keys.js';
import { verifyPackage } from '../../protocol/session/verify.js';
import { enrollTestBooth, type TestBooth } from './helpers/booths.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { BACKENDS } from './helpers/db.js';

const EXAMPLE = resolve('central/examples/day-plan');
const DATE = '2026-12-07';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request over mutual TLS, as a booth makes it: its certificate, the centre's CA. */
function call(
  c: TestCentral,
  ca: string,
  client: { certPem: string; keyPem: string } | null,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const body = o.body === undefined ? null : Buffer.from(JSON.stringify(o.body));
  return new Promise((resolvePromise, reject) => {
    const req = request(
      new URL(path, c.boothUrl),
      {
        method: o.method ?? 'GET',
        ca: [ca],
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
        headers: { ...o.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const json = (a: Answer) => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;

describe.each(BACKENDS)('the package channel over mutual TLS on %s', (backend) => {
  let c: TestCentral;
  let ctx: CentralContext;
  let ca: string;
  const clock = { ms: Date.parse('2026-12-06T12:00:00Z'), now: () => clock.ms };
  const booths: Record<string, TestBooth> = {};
  const as = (id: string) => ({
    certPem: (booths[id] as TestBooth).certPem,
    keyPem: (booths[id] as TestBooth).keys.privateKeyPem,
  });

  beforeAll(async () => {
    c = await startTestCentral(backend, { clock });
    ctx = c.service.ctx as CentralContext;
    ca = await readFile(join(c.dataDir, 'keys', 'ca.cert.pem'), 'utf8');
    await importPlan(ctx, { path: EXAMPLE, date: DATE });
    for (const id of ['hall1-b1', 'hall2-b1', 'hall3-b1']) booths[id] = await enrollTestBooth(ctx.db, ctx.keys.ca, id);
    await publishDay(ctx, { date: DATE });
  });
  afterAll(async () => c?.stop());

  it('serves a booth its manifest, its package and its documents (Range resumes with 206)', async () => {
    const m = await call(c, ca, as('hall1-b1'), '/channel/v1/manifest');
    expect(m.status).toBe(200);
    const manifest = json(m) as unknown as Manifest;
    expect(manifest).toMatchObject({ boothId: 'hall1-b1', serverTime: clock.ms, commands: [] });
    expect(manifest.packages).toEqual([
      expect.objectContaining({
        packageId: `${DATE}.hall1-b1`,
        version: 1,
        date: DATE,
        unlockAt: '2026-12-07T00:30:00Z',
      }),
    ]);
    const [entry] = manifest.packages;
    const p = await call(c, ca, as('hall1-b1'), `/channel/v1/packages/${entry?.packageId}/${entry?.version}`);
    expect(p.status).toBe(200);
    expect(p.body.length).toBe(entry?.size);
    expect(createHash('sha256').update(p.body).digest('hex')).toBe(entry?.sha256);
    const booth = booths['hall1-b1'] as TestBooth;
    const pkg = verifyPackage(p.body, {
      centralKey: publicKeyFrom(ctx.keys.session.publicKeyPem),
      boothId: booth.id,
      boothKey: publicKeyFrom(booth.keys.publicKeyPem),
      now: clock.ms,
    });

    const doc = pkg.projects[0]?.documents.find((d) => d.id === 'report');
    const whole = await call(c, ca, as('hall1-b1'), doc?.url ?? '');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('application/pdf');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const size = whole.body.length;
    const rest = await call(c, ca, as('hall1-b1'), doc?.url ?? '', { headers: { range: 'bytes=100000-' } });
    expect(rest.status).toBe(206);
    expect(rest.headers['content-range']).toBe(`bytes 100000-${size - 1}/${size}`);
    const resumed = Buffer.concat([whole.body.subarray(0, 100000), rest.body]);
    expect(createHash('sha256').update(resumed).digest('hex')).toBe(doc?.sha256);
    const mid = await call(c, ca, as('hall1-b1'), doc?.url ?? '', { headers: { range: 'bytes=10-19' } });
    expect([mid.status, mid.body]).toEqual([206, whole.body.subarray(10, 20)]);
    const beyond = await call(c, ca, as('hall1-b1'), doc?.url ?? '', { headers: { range: `bytes=${size}-` } });
    expect([beyond.status, json(beyond).code, beyond.headers['content-range']]).toEqual([
      416,
      'BOOTH_ERR_RANGE_NOT_SATISFIABLE',
      `bytes */${size}`,
    ]);
  });

  it("another booth gets neither this booth's package nor its documents; no certificate, no channel", async () => {
    const hall1 = json(await call(c, ca, as('hall1-b1'), '/channel/v1/manifest')) as unknown as Manifest;
    const pkgPath = `/channel/v1/packages/${DATE}.hall1-b1/1`;
    const other = await call(c, ca, as('hall2-b1'), pkgPath);
    expect([other.status, json(other).code]).toEqual([404, 'BOOTH_ERR_NOT_FOUND']);
    const body = (await call(c, ca, as('hall1-b1'), pkgPath)).body;
    const report = (JSON.parse(body.toString()) as { projects: { documents: { url: string }[] }[] }).projects[0]
      ?.documents[0]?.url;
    expect((await call(c, ca, as('hall2-b1'), report ?? '')).status).toBe(404);
    expect((await call(c, ca, as('hall1-b1'), report ?? '')).status).toBe(200);
    expect(hall1.packages).toHaveLength(1);
    expect((await call(c, ca, null, '/channel/v1/manifest')).status).toBe(401);
    // A certificate from the centre's CA naming a booth, but not the one enrolled for it.
    const keys = await generateKeyPair();
    const stray = await issueCertificate({
      csrPem: await createCsr('CN=hall1-b1', keys),
      caCertPem: ctx.keys.ca.certPem,
      caPrivateKeyPem: ctx.keys.ca.keyPem,
      days: 30,
      profile: 'client',
      altNames: [boothUri('hall1-b1')],
    });
    const refused = await call(c, ca, { certPem: stray, keyPem: keys.privateKeyPem }, '/channel/v1/manifest');
    expect([refused.status, json(refused).code]).toEqual([403, 'BOOTH_ERR_FORBIDDEN']);
  });

  it('delivers the unlock command from its time; stores reports; status shows backlog and refusals', async () => {
    await unlockDay(ctx, { date: DATE, at: '08:00' });
    expect((json(await call(c, ca, as('hall1-b1'), '/channel/v1/manifest')) as unknown as Manifest).commands).toEqual(
      [],
    );
    clock.ms = Date.parse('2026-12-07T00:00:00Z');
    const m = json(await call(c, ca, as('hall1-b1'), '/channel/v1/manifest')) as unknown as Manifest;
    expect(m.commands).toEqual([
      expect.objectContaining({ type: 'unlock', packageId: `${DATE}.hall1-b1`, version: 1 }),
    ]);

    const at = clock.ms;
    const ok = await call(c, ca, as('hall1-b1'), '/channel/v1/report', {
      method: 'POST',
      body: { packages: [{ packageId: `${DATE}.hall1-b1`, version: 1, state: 'installed', at }] },
    });
    expect([ok.status, json(ok)]).toEqual([200, { ok: true }]);
    const refused = await call(c, ca, as('hall2-b1'), '/channel/v1/report', {
      method: 'POST',
      body: {
        packages: [
          // The booth's message holds a NUL, which PostgreSQL cannot store: kept with U+FFFD.
          { packageId: `${DATE}.hall2-b1`, version: 1, state: 'refused', reason: 'other-key', message: 'x\u0000', at },
        ],
      },
    });
    expect(refused.status).toBe(200);
    const foreign = await call(c, ca, as('hall2-b1'), '/channel/v1/report', {
      method: 'POST',
      body: { packages: [{ packageId: `${DATE}.hall1-b1`, version: 1, state: 'refused', at }] },
    });
    expect([foreign.status, json(foreign).code]).toEqual([400, 'BOOTH_ERR_BAD_INPUT']);
    const unknownField = await call(c, ca, as('hall2-b1'), '/channel/v1/report', {
      method: 'POST',
      body: { packages: [], extra: 1 },
    });
    expect(unknownField.status).toBe(400);

    clock.ms = Date.parse('2026-12-07T02:00:00Z');
    const s = await statusOp.run(ctx, {});
    const byId = Object.fromEntries(s.booths.map((b) => [b.id, b.packages]));
    expect(byId['hall1-b1']).toEqual([]);
    expect(byId['hall2-b1']).toEqual([
      expect.objectContaining({ packageId: `${DATE}.hall2-b1`, version: 1, state: 'refused', reason: 'other-key' }),
    ]);
    expect(byId['hall3-b1']).toEqual([expect.objectContaining({ version: 1, state: 'pending' })]);
    expect(s.alerts).toEqual([
      // Inventory's own alert: this booth has never called the central server.
      expect.stringMatching(/^booth hall3-b1: enrolled .*, never contacted the central server$/),
      `booth hall2-b1 refused package ${DATE}.hall2-b1 v1: other-key (x\ufffd)`,
      `booth hall3-b1 has not installed package ${DATE}.hall3-b1 v1, whose roster opens at 2026-12-07T01:30:00Z`,
    ]);
  });

  it('`booth-central plan import` goes through the running service: problems exit 1, --check stores nothing', async () => {
    const run = promisify(execFile);
    const bin = join(process.cwd(), 'bin', 'booth-central.js');
    const env = { ...process.env, DATABASE_URL: c.config.databaseUrl };
    const dir = await mkdtemp(join(tmpdir(), 'plan-cli-'));
    await cp(EXAMPLE, dir, { recursive: true });
    await writeFile(join(dir, 'staff.csv'), 'id,pin\nstaff-01,12\n');
    const bad = await run(process.execPath, [bin, 'plan', 'import', dir, '--date', DATE, '--data-dir', c.dataDir], {
      env,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain(
      'staff.csv row 2, field pin: expected a PIN of 4-12 digits, got 2 characters',
    );
    const ok = await run(
      process.execPath,
      [bin, 'plan', 'import', EXAMPLE, '--date', DATE, '--check', '--json', '--data-dir', c.dataDir],
      { env },
    );
    expect(JSON.parse(ok.stdout)).toMatchObject({ date: DATE, imported: false, revision: null });
    const plans = await ctx.db.query<{ revision: number }>('SELECT revision FROM plans WHERE date = $1', [DATE]);
    expect(plans.rows).toEqual([{ revision: 1 }]);
    await rm(dir, { recursive: true, force: true });
  });
});
