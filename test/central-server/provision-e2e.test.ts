import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIssued } from '../../protocol/crypto/x509.js';
import { identityPaths } from '../../device/crypto/identity.js';
import { OFFLINE_FILES } from '../../provisioning/offline.js';
import type { BoothInfo } from '../../central/inventory/schemas.js';
import { BACKENDS, freshPostgresDatabase } from './helpers/db.js';

/**
 * The real thing, as a centre's integrator runs it: `booth-central init` and `start` as processes
 * (bin/booth-central.js, dist/), booths added and tokens issued with the commands, then the real
 * `booth provision` (bin/booth.js) enrolls against it; the central server restarts and the
 * booth's retry gets the same certificate; a hall without network goes through the USB stick
 * with `booth-central enroll`. On the embedded database and on PostgreSQL.
 */
const root = process.cwd();
const SLOW = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: 'booth' | 'booth-central', args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn(process.execPath, [join(root, 'bin', `${bin}.js`), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** `booth-central start`, until it prints where it listens; `logs` keeps everything it wrote. */
async function startCentral(args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'booth-central.js'), 'start', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const look = (c: Buffer) => {
      logs += c.toString();
      const m = /booths https:\/\/[^:]+:(\d+)/.exec(logs);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    void exited.then((code) => reject(new Error(`booth-central start exited ${code}: ${logs.slice(-2000)}`)));
  });
  return {
    port,
    logs: () => logs,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe.each(BACKENDS)('booth provision against booth-central on %s', (backend) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  let caFile: string;
  let central: Awaited<ReturnType<typeof startCentral>>;
  let dropDb: (() => Promise<void>) | null = null;
  const c = (...args: string[]) => run('booth-central', [...args, '--config', config], env);
  const listed = async (id: string) => {
    const r = await c('booth', 'list', '--json');
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { booths: BoothInfo[] }).booths.find((b) => b.id === id);
  };
  const freshBooth = async (name: string) => {
    const dir = join(work, name);
    await mkdir(dir);
    const file = join(dir, 'booth.json');
    await writeFile(file, JSON.stringify({ http: { port: 0 }, tuning: { port: 0 }, sync: { pull: { port: 0 } } }));
    return { config: file, dataDir: join(dir, 'data') };
  };
  const provisionArgs = (b: { config: string; dataDir: string }) => [
    ...['--config', b.config, '--data-dir', b.dataDir, '--yes', '--skip-models'],
    ...['--camera', 'none', '--tablet', 'none', '--gpio-chip', 'none'],
    ...['--tuning-password-file', join(work, 'pw.txt')],
  ];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'provision-e2e-'));
    const empty = join(work, 'no-hardware');
    await mkdir(empty);
    await writeFile(join(work, 'pw.txt'), 'a long tuning password\n');
    const pg = backend === 'postgres' ? await freshPostgresDatabase() : null;
    dropDb = pg ? () => pg.drop() : null;
    // The booth scans an empty device tree; neither side reads a config from /etc.
    env = {
      ...process.env,
      DATABASE_URL: pg?.url ?? '',
      BOOTH_CONFIG: '',
      BOOTH_CENTRAL_CONFIG: '',
      BOOTH_DEV_DIR: empty,
      BOOTH_SYSFS_VIDEO: empty,
      BOOTH_SERIAL_BY_ID: empty,
      BOOTH_SYSFS_GPIO: empty,
    };
    const dataDir = join(work, 'central');
    config = join(work, 'central.json');
    await writeFile(
      config,
      JSON.stringify({
        dataDir,
        server: { host: '127.0.0.1', port: 0, names: ['localhost'] },
        admin: { port: 0 },
      }),
    );
    caFile = join(dataDir, 'keys', 'ca.cert.pem');
    const init = await c('init', '--json');
    expect(init.code, init.stderr).toBe(0);
    central = await startCentral(['--config', config], env);
  }, SLOW);

  afterAll(async () => {
    await central?.stop();
    await dropDb?.();
    await rm(work, { recursive: true, force: true });
  });

  it(
    'enrolls a booth with `booth provision`; after a central restart the retry gets the same certificate',
    async () => {
      const added = await c('booth', 'add', 'hall2-b07', '--room', '评标室 2', '--json');
      expect(added.code, added.stderr).toBe(0);
      const issued = await c('token', 'issue', '--booth', 'hall2-b07', '--ttl', '30m', '--json');
      expect(issued.code, issued.stderr).toBe(0);
      const { token } = JSON.parse(issued.stdout) as { token: string };

      const booth = await freshBooth('b07');
      const online = (port: number) => [
        'provision',
        ...['--central', `https://localhost:${port}`, '--token', token, '--central-ca', caFile],
        ...provisionArgs(booth),
      ];
      const first = await run('booth', online(central.port), env);
      expect(first.stderr).not.toMatch(/booth provision:/);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('booth hall2-b07 provisioned');

      const certPem = await readFile(identityPaths(booth.dataDir).certificate, 'utf8');
      const cert = new X509Certificate(certPem);
      expect(cert.subject).toBe('CN=hall2-b07');
      expect(cert.subjectAltName).toBe('URI:urn:booth:hall2-b07');
      expect(verifyIssued(certPem, await readFile(caFile, 'utf8'))).toBe(true);
      const written = JSON.parse(await readFile(booth.config, 'utf8')) as { booth: unknown; sync: unknown };
      expect(written.booth).toEqual({ id: 'hall2-b07', centre: '公共资源交易中心', hall: '评标室 2' });
      expect(written.sync).toMatchObject({
        push: { url: `https://localhost:${central.port}/sync/v1/push` },
        channel: { url: `https://localhost:${central.port}` },
      });

      const inventory = await listed('hall2-b07');
      expect(inventory?.certificate).toMatchObject({
        serial: cert.serialNumber.toUpperCase(),
        fingerprint256: cert.fingerprint256,
        revokedAt: null,
      });
      // Printed once by `token issue`; never in the service's logs.
      expect(central.logs()).toContain('booth enrolled');
      expect(central.logs()).not.toContain(token);

      expect(await central.stop()).toBe(0);
      central = await startCentral(['--config', config], env);
      const retry = await run('booth', online(central.port), env);
      expect(retry.stderr).not.toMatch(/booth provision:/);
      expect(retry.code).toBe(0);
      expect(retry.stdout).toContain('existing key reused');
      expect(await readFile(identityPaths(booth.dataDir).certificate, 'utf8')).toBe(certPem);
      expect((await listed('hall2-b07'))?.certificate?.serial).toBe(cert.serialNumber.toUpperCase());
    },
    3 * SLOW,
  );

  it(
    'enrolls a hall without network through the USB stick and `booth-central enroll`',
    async () => {
      expect((await c('booth', 'add', 'hall5-b01', '--room', '评标室 5')).code).toBe(0);
      const issued = await c('token', 'issue', '--booth', 'hall5-b01');
      const token = issued.stdout.trim().split('\n').at(-1) ?? '';
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stick = join(work, 'usb');
      await mkdir(stick);
      await writeFile(join(stick, OFFLINE_FILES.token), `${token}\n`);
      const booth = await freshBooth('b01');
      const args = ['provision', '--offline', stick, ...provisionArgs(booth)];
      expect((await run('booth', args, env)).code).toBe(3);

      // At the central office.
      const answered = await c(
        'enroll',
        ...['--request', join(stick, OFFLINE_FILES.request), '--out', join(stick, OFFLINE_FILES.response)],
      );
      expect(answered.code, answered.stderr).toBe(0);
      expect(answered.stdout).toContain('booth hall5-b01 enrolled');

      const second = await run('booth', args, env);
      expect(second.stderr).not.toMatch(/booth provision:/);
      expect(second.code).toBe(0);
      const cert = new X509Certificate(await readFile(identityPaths(booth.dataDir).certificate, 'utf8'));
      expect(cert.subjectAltName).toBe('URI:urn:booth:hall5-b01');
      expect((await readdir(stick)).sort()).toEqual([OFFLINE_FILES.response]);
      expect((await listed('hall5-b01'))?.certificate?.serial).toBe(cert.serialNumber.toUpperCase());
    },
    2 * SLOW,
  );
});
