import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { projectDir } from '../device/paths.js';

/**
 * `npm run bench:cli`: start-up cost of the `booth` command. Median wall time of N runs of
 * `booth --help` (commands load on use, so this is node plus the CLI's entry) against
 * `node -e 0`, run alternately so machine load hits both alike. Target (issue 16): `booth --help`
 * under 300 ms. Prints one JSON object. Usage: npm run bench:cli [-- runs]
 */
const runs = Number(process.argv[2] ?? 15);
const booth = join(projectDir(), 'bin', 'booth.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const round = (x: number): number => Math.round(x * 10) / 10;

function timeRun(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}: ${String(r.stderr)}`);
  return ms;
}

const help: number[] = [];
const bare: number[] = [];
timeRun([booth, '--help']); // warm the file cache
for (let i = 0; i < runs; i++) {
  help.push(timeRun([booth, '--help']));
  bare.push(timeRun(['-e', '0']));
}
const helpP50 = median(help);
const nodeP50 = median(bare);
console.log(
  JSON.stringify({
    bench: 'cli',
    node: process.version,
    loadAverage1m: round(loadavg()[0] ?? 0),
    runs,
    helpP50Ms: round(helpP50),
    nodeP50Ms: round(nodeP50),
    overheadP50Ms: round(helpP50 - nodeP50),
    helpMinMs: round(Math.min(...help)),
    nodeMinMs: round(Math.min(...bare)),
    targetHelpMs: 300,
  }),
);
