import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectDir } from '../device/paths.js';

/**
 * Boot footprint of the whole booth as systemd runs it (bin/booth.js start, simulated hardware):
 * time from spawn to "booth ready" (READY=1 is sent at the same point) and the resident set
 * after start and after a few seconds of idling, with Node-RED loaded and without it.
 * Prints one JSON object; medians of `runs` boots per variant (the machine is shared: noisy).
 * Usage: npm run bench:boot [-- runs]
 */
const runs = Number(process.argv[2] ?? 5);

interface Boot {
  readyMs: number;
  rssReadyMB: number;
  rssSettledMB: number;
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
    }),
  );
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(projectDir(), 'bin', 'booth.js'), 'start', '--config', config, '--hardware', 'sim'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      let log = '';
      child.stderr.on('data', (c: Buffer) => {
        log += c.toString();
        if (log.includes('booth ready')) resolve(performance.now() - started);
      });
      child.on('exit', (code) => reject(new Error(`booth exited ${code}: ${log.slice(-1500)}`)));
    });
    const pid = child.pid ?? 0;
    const rssReadyMB = await rssMB(pid);
    await new Promise((r) => setTimeout(r, 3000));
    return { readyMs, rssReadyMB, rssSettledMB: await rssMB(pid) };
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
      rssMB: withNodeRed.rssSettledMBMedian - withoutNodeRed.rssSettledMBMedian,
    },
    limits: { readyMs: 6000, rssMB: 350 },
  })}\n`,
);
