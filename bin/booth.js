#!/usr/bin/env node
// The `booth` command. Runs the compiled JavaScript in dist/ (built by `npm ci` and `npm run build`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'device', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('booth: dist/ is missing; run `npm run build` (npm ci does it) first\n');
  process.exit(1);
}

// A checkout whose sources changed after the last build runs old code: say so (cheap: mtimes only).
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
// Not for help or the version: the scan is most of their start-up time (~100 ms) and they run no booth code.
const [first] = process.argv.slice(2);
const justHelp = !first || ['--help', '-h', 'help', '--version'].includes(first);
const sources = join(root, 'device');
const buildInfo = join(root, 'dist', '.tsbuildinfo');
if (!justHelp && existsSync(sources) && existsSync(buildInfo) && newestMtime(sources) > statSync(buildInfo).mtimeMs) {
  process.stderr.write('booth: warning: sources changed since the last build; run `npm run build`\n');
}

// `booth verify X.pdf | head -1`: the reader has gone, so there is nobody left to tell; end
// quietly (exit 0) as Unix tools do, instead of a stack trace for EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

const { main } = await import(new URL(`file://${entry}`).href);
const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
