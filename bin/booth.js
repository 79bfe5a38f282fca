#!/usr/bin/env node
// The `booth` command. Runs the compiled JavaScript in dist/ (built by `npm ci`/`npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/device/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('booth: dist/ is missing; run `npm run build` (npm ci does it) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
