import { execFileSync } from 'node:child_process';

/**
 * Integration tests run the compiled booth (bin/booth.js -> dist/) the way systemd does, so the
 * build must match the sources under test. Incremental: fast when nothing changed. tsc emits
 * even when a type error exists elsewhere; `npm test` fails on type errors in its typecheck step,
 * so here a failed check is reported, not fatal.
 */
export default function setup(): void {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    process.stderr.write(`global-setup: the build reported errors (dist/ was still written):\n${out.slice(0, 2000)}\n`);
  }
}
