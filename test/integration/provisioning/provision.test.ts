import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { EnrollResponse } from '../../../protocol/enroll.js';
import { mkdir, mkdtemp, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityPaths, loadOrCreateIdentity } from '../../../device/crypto/identity.js';
import { verifyIssued } from '../../../protocol/crypto/x509.js';
import { projectDir } from '../../../device/paths.js';
import { OFFLINE_FILES, readOfflineRequest, writeOfflineResponse } from '../../../provisioning/offline.js';
import { createCentralCa } from '../../central/ca.js';
import { createEnrollment, type Enrollment } from '../../central/enrollment.js';
import { buildCentralServer, type CentralServer } from '../../central/server.js';

/**
 * End to end against the reference central server, through the real `booth` command (dist/,
 * built by the global setup): fresh data directory -> provision -> doctor -> start.
 */
const SITE = {
  booth: { id: 'qd-hall2-b07', centre: '青岛西海岸新区公共资源交易中心', hall: '评标室 2' },
  sync: {
    push: { url: 'https://localhost:9443/sync/v1/push' },
    channel: { url: 'https://localhost:9443' },
    centralClientNames: ['central'],
  },
};
let work: string;
let central: CentralServer;
let enrollment: Enrollment;
let centralUrl: string;
let caFile: string;
let clock = Date.now();
let hostEnv: Record<string, string>;
let centralKeys: EnrollResponse['keys'];

function pinnable(): EnrollResponse['keys']['session'] {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function booth(args: string[], o: { until?: RegExp } = {}): Promise<Run & { kill?: () => Promise<Run> }> {
  const child = spawn(process.execPath, [join(projectDir(), 'bin', 'booth.js'), ...args], {
    env: { ...process.env, ...hostEnv, BOOTH_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const until = o.until;
  if (!until) return exited;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (until.test(stderr) || until.test(stdout)) {
        resolve({
          code: null,
          stdout,
          stderr,
          kill: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    void exited.then((r) => reject(new Error(`booth exited ${r.code} before ${until}: ${r.stderr.slice(-2000)}`)));
  });
}

/** A fixture device tree: one USB camera (capture + metadata node), one tablet by-id, a Pi 4 GPIO chip. */
async function fakeHost(root: string): Promise<Record<string, string>> {
  const dev = join(root, 'dev');
  const sysVideo = join(root, 'sys/class/video4linux');
  const byId = join(dev, 'serial/by-id');
  const gpio = join(root, 'sys/class/gpio/gpiochip512');
  for (const d of [dev, byId, gpio, join(sysVideo, 'video0'), join(sysVideo, 'video1')])
    await mkdir(d, { recursive: true });
  await writeFile(join(dev, 'video0'), '');
  await writeFile(join(dev, 'video1'), '');
  await writeFile(join(sysVideo, 'video0/name'), 'USB 2.0 Camera\n');
  await writeFile(join(sysVideo, 'video0/index'), '0\n');
  await writeFile(join(sysVideo, 'video1/name'), 'USB 2.0 Camera\n');
  await writeFile(join(sysVideo, 'video1/index'), '1\n');
  await writeFile(join(dev, 'ttyUSB0'), '');
  await symlink('../../ttyUSB0', join(byId, 'usb-Wacom_ISDv4-if00-port0'));
  await writeFile(join(gpio, 'base'), '512\n');
  await writeFile(join(gpio, 'ngpio'), '58\n');
  await writeFile(join(gpio, 'label'), 'pinctrl-bcm2711\n');
  return {
    BOOTH_DEV_DIR: dev,
    BOOTH_SYSFS_VIDEO: sysVideo,
    BOOTH_SERIAL_BY_ID: byId,
    BOOTH_SYSFS_GPIO: join(root, 'sys/class/gpio'),
  };
}

/** A booth config as an installer would lay it down before provisioning (loopback ports free). */
async function freshBooth(name: string): Promise<{ config: string; dataDir: string }> {
  const dir = join(work, name);
  await mkdir(dir);
  const config = join(dir, 'booth.json');
  await writeFile(config, JSON.stringify({ http: { port: 0 }, tuning: { port: 0 }, sync: { pull: { port: 0 } } }));
  return { config, dataDir: join(dir, 'data') };
}

async function allFilesText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'provision-'));
  hostEnv = await fakeHost(join(work, 'host'));
  const ca = await createCentralCa();
  caFile = join(work, 'central-ca.pem');
  await writeFile(caFile, ca.certPem);
  centralKeys = { session: pinnable(), escrow: pinnable() };
  enrollment = createEnrollment({ ca, now: () => clock, keys: centralKeys });
  central = await buildCentralServer({ ca, plugins: [enrollment.plugin] });
  centralUrl = await central.listen(0);
});

afterAll(async () => {
  await central?.close();
});

/** Each test runs the booth as a process (2-4 s each on an idle 2-core machine, much more under load). */
const SLOW = 90_000;

describe('booth provision against the reference central server', () => {
  let first: { config: string; dataDir: string };
  let token: string;

  it(
    'enrolls a fresh booth, then doctor passes and the service starts with the issued certificate',
    async () => {
      first = await freshBooth('first');
      token = enrollment.issueToken(SITE).token;
      const passwordFile = join(work, 'pw.txt');
      await writeFile(passwordFile, 'a long tuning password\n');
      const args = ['provision', '--central', centralUrl, '--token', token, '--central-ca', caFile];
      const run = await booth([
        ...args,
        ...['--config', first.config, '--data-dir', first.dataDir, '--yes', '--tuning-password-file', passwordFile],
      ]);
      expect(run.stderr).not.toMatch(/booth provision:/);
      expect(run.code).toBe(0);
      for (let i = 1; i <= 8; i++) expect(run.stdout).toContain(`[${i}/8]`);
      // Every model of the manifest verified (fetched and committed ones).
      const { models } = JSON.parse(await readFile(join(projectDir(), 'models', 'manifest.json'), 'utf8')) as {
        models: unknown[];
      };
      expect(run.stdout).toContain(`] ${models.length}/${models.length}`);
      expect(models.length).toBe(8);
      expect(run.stdout).toContain('booth qd-hall2-b07 provisioned');

      const paths = identityPaths(first.dataDir);
      expect((await stat(paths.privateKey)).mode & 0o777).toBe(0o600);
      const certPem = await readFile(paths.certificate, 'utf8');
      expect(verifyIssued(certPem, central.ca.certPem)).toBe(true);
      const cert = new X509Certificate(certPem);
      expect(cert.subject).toBe('CN=qd-hall2-b07');
      const ourKey = createPublicKey(createPrivateKey(await readFile(paths.privateKey, 'utf8')));
      expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
        ourKey.export({ type: 'spki', format: 'der' }),
      );
      expect(await readFile(paths.centralCa, 'utf8')).toBe(central.ca.certPem);
      // The central keys are pinned where the session vault and the sealer read them.
      expect(await readFile(join(paths.dir, 'central-session.pem'), 'utf8')).toBe(centralKeys.session.publicKeyPem);
      expect(await readFile(join(paths.dir, 'central-escrow.pem'), 'utf8')).toBe(centralKeys.escrow.publicKeyPem);

      const written = JSON.parse(await readFile(first.config, 'utf8')) as Record<string, Record<string, unknown>>;
      expect(written.booth).toEqual(SITE.booth);
      expect(written.sync).toMatchObject({
        push: { url: SITE.sync.push.url },
        channel: { url: SITE.sync.channel.url },
        pull: { port: 0 },
      });
      expect(written.hardware).toEqual({
        camera: { mode: 'real', device: join(hostEnv.BOOTH_DEV_DIR ?? '', 'video0') },
        tablet: { mode: 'real', path: join(hostEnv.BOOTH_SERIAL_BY_ID ?? '', 'usb-Wacom_ISDv4-if00-port0') },
        leds: { mode: 'real', chipLabel: 'pinctrl-bcm2711' },
      });
      // The token is forgotten: in no file the booth keeps.
      expect(await allFilesText(first.dataDir)).not.toContain(token);
      expect(await readFile(first.config, 'utf8')).not.toContain(token);

      const doctor = await booth(['doctor', '--config', first.config, '--hardware', 'sim']);
      expect(doctor.stdout).toContain('doctor: all checks passed');
      expect(doctor.code).toBe(0);

      const service = await booth(['start', '--config', first.config, '--hardware', 'sim'], { until: /booth ready/ });
      // Node-RED came up inside the booth, behind the password set at provisioning.
      const editor = /Node-RED editor at (http:\/\/127\.0\.0\.1:\d+\/tuning\/)/.exec(service.stderr)?.[1];
      expect(editor).toBeDefined();
      expect((await fetch(`${editor}flows`)).status).toBe(401);
      const login = await fetch(`${editor}auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope: '*',
          username: 'technician',
          password: 'a long tuning password',
        }),
      });
      expect(login.status).toBe(200);
      const stopped = await service.kill?.();
      expect(stopped?.code).toBe(0);
      // What the store and sync load at start: the issued certificate, not a self-signed one.
      const identity = await loadOrCreateIdentity(first.dataDir, 'qd-hall2-b07');
      expect(identity.selfSigned).toBe(false);
      expect(identity.certificate.fingerprint256).toBe(cert.fingerprint256);
    },
    3 * SLOW,
  );

  it(
    'a retry with the same key and token is idempotent: same certificate, nothing new issued',
    async () => {
      const before = await readFile(identityPaths(first.dataDir).certificate, 'utf8');
      const issued = enrollment.issued;
      const run = await booth([
        'provision',
        ...['--central', centralUrl, '--token', token, '--central-ca', caFile, '--config', first.config, '--yes'],
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('existing key reused');
      expect(await readFile(identityPaths(first.dataDir).certificate, 'utf8')).toBe(before);
      expect(enrollment.issued).toBe(issued);
    },
    SLOW,
  );

  it(
    'refuses a token already used by another booth, and changes nothing',
    async () => {
      const other = await freshBooth('reuse');
      const configBefore = await readFile(other.config, 'utf8');
      const run = await booth([
        'provision',
        ...['--central', centralUrl, '--token', token, '--central-ca', caFile],
        ...['--config', other.config, '--data-dir', other.dataDir, '--yes'],
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/token already used by another booth key/);
      expect(run.stderr).toContain('ask the central office for a new enrollment token');
      await expect(stat(identityPaths(other.dataDir).certificate)).rejects.toThrow(/ENOENT/);
      expect(await readFile(other.config, 'utf8')).toBe(configBefore);
    },
    SLOW,
  );

  it(
    'refuses an expired token',
    async () => {
      const late = await freshBooth('expired');
      const { token: shortLived } = enrollment.issueToken({ ...SITE, booth: { ...SITE.booth, id: 'b08' } }, 60_000);
      clock += 2 * 60_000;
      const run = await booth([
        'provision',
        ...['--central', centralUrl, '--token', shortLived, '--central-ca', caFile],
        ...['--config', late.config, '--data-dir', late.dataDir, '--yes'],
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/enrollment token expired at/);
      await expect(stat(identityPaths(late.dataDir).certificate)).rejects.toThrow(/ENOENT/);
    },
    SLOW,
  );

  it(
    'refuses an unknown token and an untrusted central server',
    async () => {
      const b = await freshBooth('unknown');
      const unknown = await booth([
        'provision',
        ...['--central', centralUrl, '--token', 'x'.repeat(43), '--central-ca', caFile],
        ...['--config', b.config, '--data-dir', b.dataDir, '--yes'],
      ]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/token not recognised/);
      const { token: t } = enrollment.issueToken({ ...SITE, booth: { ...SITE.booth, id: 'b09' } });
      const untrusted = await booth([
        'provision',
        ...['--central', centralUrl, '--token', t, '--config', b.config, '--data-dir', b.dataDir, '--yes'],
      ]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/cannot reach .*(self.signed|certificate)/i);
    },
    SLOW,
  );

  it(
    'enrolls offline with a USB stick in two trips; the token leaves the stick',
    async () => {
      const b = await freshBooth('offline');
      const stick = join(work, 'usb');
      await mkdir(stick);
      const { token: t } = enrollment.issueToken({ ...SITE, booth: { ...SITE.booth, id: 'b10' } });
      await writeFile(join(stick, OFFLINE_FILES.token), `${t}\n`);
      const args = [
        'provision',
        '--offline',
        stick,
        '--config',
        b.config,
        '--data-dir',
        b.dataDir,
        '--yes',
        '--skip-models',
      ];
      const firstTrip = await booth(args);
      expect(firstTrip.code).toBe(3);
      expect(firstTrip.stdout).toContain('Take the USB stick to the central office');

      // At the central office.
      await writeOfflineResponse(stick, await enrollment.enroll(await readOfflineRequest(stick)));

      const secondTrip = await booth(args);
      expect(secondTrip.stderr).not.toMatch(/booth provision:/);
      expect(secondTrip.code).toBe(0);
      expect(verifyIssued(await readFile(identityPaths(b.dataDir).certificate, 'utf8'), central.ca.certPem)).toBe(true);
      expect((await readdir(stick)).sort()).toEqual([OFFLINE_FILES.response]);
    },
    SLOW,
  );
});
