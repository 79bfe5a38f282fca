#!/usr/bin/env node
// The `booth-central` command. Runs the compiled JavaScript in dist/ (built by `npm ci` and `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'central', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('booth-central: dist/ is missing; run `npm run build` (npm ci does it) first\n');
  process.exit(1);
}
const { main } = await import(new URL(`file://${entry}`).href);
const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
