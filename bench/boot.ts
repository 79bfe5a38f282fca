import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectDir } from '../device/paths.js';
import { PRODUCTION_ENV } from '../device/systemd/environment.js';

/**
 * Boot footprint of the whole booth as systemd runs it (bin/booth.js start, simulated hardware):
 * time from spawn to "booth ready" (READY=1 is sent at the same point) and the resident set
 * after start, after a few seconds of idling and after one visit through the kiosk API (the
 * demo expert verified by face, one report signed and sealed), with Node-RED loaded and without.
 * Prints one JSON object; medians of `runs` boots per variant (the machine is shared: noisy).
 * Usage: npm run bench:boot [-- runs]
 */
const runs = Number(process.argv[2] ?? 5);

interface Boot {
  readyMs: number;
  rssReadyMB: number;
  rssSettledMB: number;
  /** After one simulated visit through the kiosk API (verified by face, signed, sealed). */
  visit: { ok: boolean; step: string; ms: number; rssMB: number };
}

const CONSENT = { accepted: true, version: 'face-consent/1' };

async function kiosk(base: string, path: string, body?: unknown): Promise<{ screen?: string }> {
  const get = path.endsWith('/state');
  const res = await fetch(
    `${base}${path}`,
    get ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) },
  );
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { screen?: string };
}

async function until(base: string, leave: string, limitMs = 60_000): Promise<string> {
  const end = performance.now() + limitMs;
  for (;;) {
    const { screen = '' } = await kiosk(base, '/api/kiosk/state');
    if (screen !== leave || performance.now() > end) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One visit of the demo expert in simulation: face, project, signature, seal, finish. */
async function oneVisit(base: string): Promise<{ ok: boolean; step: string }> {
  let step = 'camera';
  try {
    await kiosk(base, '/api/kiosk/sim/camera', { source: 'expert' });
    step = 'begin';
    await kiosk(base, '/api/kiosk/begin');
    step = 'consent';
    await kiosk(base, '/api/kiosk/consent', CONSENT);
    step = 'face';
    if ((await until(base, 'capture')) !== 'projects') return { ok: false, step };
    step = 'project';
    await kiosk(base, '/api/kiosk/project', { projectId: 'P-2026-001' });
    step = 'action';
    await kiosk(base, '/api/kiosk/action', { action: 'sign', reason: '' });
    step = 'signature';
    // The replayed signature takes a few seconds to draw.
    await new Promise((r) => setTimeout(r, 4000));
    await kiosk(base, '/api/kiosk/signature/done');
    step = 'confirm';
    await kiosk(base, '/api/kiosk/confirm');
    step = 'seal';
    if ((await until(base, 'sealing')) !== 'receipt') return { ok: false, step };
    step = 'finish';
    await kiosk(base, '/api/kiosk/finish');
    return { ok: true, step: 'done' };
  } catch {
    return { ok: false, step };
  }
}

function rssMB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024);
}

async function boot(tuning: boolean): Promise<Boot> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-boot-'));
  const config = join(dir, 'booth.json');
  await writeFile(
    config,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      http: { port: 0 },
      tuning: { enabled: tuning, port: 0 },
      sync: { pull: { port: 0 } },
      // The simulated camera shows still photos, which cannot blink (docs/face.md).
      visit: { activeLiveness: false },
    }),
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(projectDir(), 'bin', 'booth.js'), 'start', '--config', config, '--hardware', 'sim'],
    // The environment systemd gives the booth (booth.service Environment=).
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...PRODUCTION_ENV } },
  );
  try {
    let base = '';
    const readyMs = await new Promise<number>((resolve, reject) => {
      let log = '';
      child.stderr.on('data', (c: Buffer) => {
        log += c.toString();
        const m = /booth ready: kiosk page at (http:\/\/[^/\s]+)/.exec(log);
        if (m?.[1] && !base) {
          base = m[1];
          resolve(performance.now() - started);
        }
      });
      child.on('exit', (code) => reject(new Error(`booth exited ${code}: ${log.slice(-1500)}`)));
    });
    const pid = child.pid ?? 0;
    const rssReadyMB = await rssMB(pid);
    await new Promise((r) => setTimeout(r, 3000));
    const rssSettledMB = await rssMB(pid);
    const visitStarted = performance.now();
    const visit = await oneVisit(base);
    return {
      readyMs,
      rssReadyMB,
      rssSettledMB,
      visit: { ...visit, ms: performance.now() - visitStarted, rssMB: await rssMB(pid) },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

async function variant(tuning: boolean) {
  const boots: Boot[] = [];
  for (let i = 0; i < runs; i++) boots.push(await boot(tuning));
  return {
    readyMsMedian: Math.round(median(boots.map((b) => b.readyMs))),
    readyMsMax: Math.round(Math.max(...boots.map((b) => b.readyMs))),
    rssReadyMBMedian: Math.round(median(boots.map((b) => b.rssReadyMB))),
    rssSettledMBMedian: Math.round(median(boots.map((b) => b.rssSettledMB))),
    visitsCompleted: boots.filter((b) => b.visit.ok).length,
    visitFailedAt: [...new Set(boots.filter((b) => !b.visit.ok).map((b) => b.visit.step))],
    visitMsMedian: Math.round(median(boots.map((b) => b.visit.ms))),
    rssAfterVisitMBMedian: Math.round(median(boots.map((b) => b.visit.rssMB))),
  };
}

const withNodeRed = await variant(true);
const withoutNodeRed = await variant(false);
process.stdout.write(
  `${JSON.stringify({
    bench: 'boot',
    runs,
    hardware: 'sim',
    withNodeRed,
    withoutNodeRed,
    nodeRedCost: {
      readyMs: withNodeRed.readyMsMedian - withoutNodeRed.readyMsMedian,
      rssMB: withNodeRed.rssAfterVisitMBMedian - withoutNodeRed.rssAfterVisitMBMedian,
    },
    limits: { readyMs: 6000, rssMB: 350 },
  })}\n`,
);
