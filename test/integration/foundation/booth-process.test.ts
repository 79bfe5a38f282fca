import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { START_PHASES } from '../../../device/systemd/start-phases.js';

const BIN = 'bin/booth.js';

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('the booth process', () => {
  it('starts in simulation, answers /readyz 200 with every port in sim, and exits cleanly on SIGINT', async () => {
    const data = await mkdtemp(join(tmpdir(), 'booth-data-'));
    const child = spawn(process.execPath, [BIN, 'start', '--hardware', 'sim', '--port', '0', '--data-dir', data], {
      env: { ...process.env, BOOTH_CONFIG: join(data, 'absent-is-an-error.json') },
    });
    children.push(child);
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    // With BOOTH_CONFIG pointing at a missing file the start must fail: prove it, then start with defaults.
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(2);
    expect(log).toMatch(/cannot read \(ENOENT\)/);

    const booth = spawn(process.execPath, [BIN, 'start', '--hardware', 'sim', '--port', '0', '--data-dir', data], {
      env: { ...process.env, BOOTH_CONFIG: '', BOOTH_CONFIG_DEFAULT: join(data, 'none.json') },
    });
    children.push(booth);
    let out = '';
    booth.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 80_000);
      booth.stderr.on('data', () => {
        const m = /booth ready: kiosk page at (http:\/\/[\d.:]+)\//.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const ready = await fetch(`${address}/readyz`);
    const body = (await ready.json()) as { ready: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(ready.status).toBe(200);
    expect(body.ready).toBe(true);
    for (const name of ['config', 'models', 'store', 'camera', 'tablet', 'leds']) {
      expect(body.checks.find((c) => c.name === name)?.ok, name).toBe(true);
    }
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    const page = await fetch(`${address}/`);
    expect(await page.text()).toContain('评标专家签名');
    expect(out).toMatch(/"device":"camera","mode":"sim","chosen":"sim"/);
    // Every start phase ran (each extends systemd's start timeout by its budget: notify.test.ts).
    const phases = [...out.matchAll(/"phase":"([a-z-]+)","ms":\d+/g)].map((m) => m[1]);
    expect(phases).toEqual(Object.keys(START_PHASES));

    booth.kill('SIGINT');
    const [exit] = (await once(booth, 'close')) as [number];
    expect(exit).toBe(0);
    expect(out).toMatch(/"msg":"stopped"/);
  }, 120_000);

  it('start with a wrongly typed field exits 2 and names the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-bad-'));
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ http: { port: 'abc' } }));
    const r = await run(['start', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/http/port: expected integer');
  });

  it('doctor --hardware sim passes every check and prints the table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-doc-'));
    const r = await run(['doctor', '--hardware', 'sim', '--data-dir', dir], {
      BOOTH_CONFIG_DEFAULT: join(dir, 'none.json'),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of ['config', 'models', 'camera', 'tablet', 'leds', 'disk', 'clock'])
      expect(r.stdout).toMatch(new RegExp(`(PASS|WARN)  ${name}`));
    expect(r.stdout).toContain('doctor: all checks passed');
  }, 60_000);

  it('doctor fails (non-zero) when a check fails, e.g. a camera folder with no images', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-doc-'));
    const cfg = join(dir, 'booth.json');
    await writeFile(cfg, JSON.stringify({ hardware: { camera: { simFolder: dir } } }));
    const r = await run(['doctor', '--hardware', 'sim', '--config', cfg, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; results: { name: string; status: string }[] };
    expect(report.ok).toBe(false);
    expect(report.results.find((x) => x.name === 'camera')?.status).toBe('fail');
  }, 60_000);

  it('unknown commands and bad flags are usage errors', async () => {
    expect((await run(['frobnicate'])).code).toBe(64);
    expect((await run(['start', '--hardware', 'maybe'])).code).toBe(64);
  });
});
