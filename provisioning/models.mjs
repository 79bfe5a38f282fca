#!/usr/bin/env node
// @ts-check
// Fetches and verifies the face models listed in models/manifest.json.
//
// Plain JavaScript on purpose: it runs from `npm install`/`npm ci` (postinstall) before the
// TypeScript build exists, and on a device image that ships without dev dependencies.
// The booth imports `verifyModels` at start (readiness) and `booth doctor` reports it.
//
// Usage: node provisioning/models.mjs [fetch|verify] [--models-dir DIR] [--tarball FILE] [--quiet] [--help]
//   (`npm run models` runs `fetch`; `npm run models -- --help` prints the usage and touches nothing.)
//   fetch (default): fetch what is missing or wrong, verify everything, exit 1 on any mismatch.
//   verify: only check the files on disk; never touches the network.
// BOOTH_MODELS_TARBALL=FILE uses a local tarball instead of `npm pack` (offline provisioning).
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, mkdir, readFile, rename, rm, stat, open, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
// Compiled into dist/provisioning/ as well: the models always live in the project's models/.
export const DEFAULT_MODELS_DIR = resolve(here, here.endsWith('/dist/provisioning') ? '../..' : '..', 'models');

/** Raised when a model is missing or its bytes differ from the manifest. */
export class ModelIntegrityError extends Error {
  /** @param {string} message @param {string} model */
  constructor(message, model) {
    super(message);
    this.name = 'ModelIntegrityError';
    this.code = 'BOOTH_ERR_MODEL_INTEGRITY';
    this.model = model;
  }
}

/**
 * A model has either `path` (inside the npm tarball of `source`, fetched) or `committed: true`
 * (in the repository's models/ itself: only verified, never fetched; models/SOURCE.md).
 * @typedef {{ name: string, path?: string, committed?: boolean, file: string, sha256: string,
 *   inputs: Record<string, number[]>, outputs: Record<string, number[]> }} ModelEntry
 * @typedef {{ source: { package: string, version: string, license?: string }, models: ModelEntry[] }} Manifest
 * @typedef {{ name: string, file: string, ok: boolean, reason?: 'missing' | 'mismatch', sha256?: string }} ModelCheck
 */

/** @param {string} modelsDir @returns {Promise<Manifest>} */
export async function readManifest(modelsDir = DEFAULT_MODELS_DIR) {
  const raw = await readFile(join(modelsDir, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(raw);
  if (!manifest?.source?.package || !Array.isArray(manifest.models)) {
    throw new Error(`${join(modelsDir, 'manifest.json')}: expected { source: { package, version }, models: [...] }`);
  }
  for (const m of manifest.models) {
    if (!/^[0-9a-f]{64}$/.test(String(m.sha256)) || !m.file || !m.path === !m.committed || m.file.includes('/')) {
      throw new Error(
        `models/manifest.json: entry "${m.name}" needs file (a bare name), a 64-hex sha256 and either path or committed`,
      );
    }
  }
  return manifest;
}

/** @param {string} file @returns {Promise<string>} */
export function sha256File(file) {
  return new Promise((ok, fail) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => ok(hash.digest('hex')));
  });
}

/** @param {string} file @param {string} expected @param {string} name @returns {Promise<ModelCheck>} */
async function checkFile(file, expected, name) {
  const base = { name, file };
  try {
    await stat(file);
  } catch {
    return { ...base, ok: false, reason: 'missing' };
  }
  const actual = await sha256File(file);
  return actual === expected
    ? { ...base, ok: true, sha256: actual }
    : { ...base, ok: false, reason: 'mismatch', sha256: actual };
}

/**
 * Checks every model file on disk against the manifest. Never throws for a bad file: the
 * result says which are missing or tampered, so readiness and doctor can report all of them.
 * @param {string} [modelsDir] @returns {Promise<ModelCheck[]>}
 */
export async function verifyModels(modelsDir = DEFAULT_MODELS_DIR) {
  const manifest = await readManifest(modelsDir);
  return Promise.all(manifest.models.map((m) => checkFile(join(modelsDir, m.file), m.sha256, m.name)));
}

/** @param {string} destDir @param {Manifest['source']} source @returns {Promise<string>} */
async function packTarball(destDir, source) {
  const spec = `${source.package}@${source.version}`;
  const { stdout } = await run('npm', ['pack', spec, '--pack-destination', destDir, '--json', '--silent'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const info = JSON.parse(stdout);
  const name = Array.isArray(info) ? info[0]?.filename : undefined;
  if (!name) throw new Error(`npm pack ${spec} did not report a tarball`);
  return join(destDir, name.replace(/^@/, '').replace(/\//g, '-'));
}

/** Writes are made durable: the file and its directory are fsync'd around the rename. @param {string} path */
async function fsyncPath(path) {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Fetches the models that are missing or wrong. Already verified files are not fetched again.
 * Throws ModelIntegrityError when the source holds bytes that differ from the manifest.
 * `progress` is called once per model as it is verified or installed (done counts up to total).
 * @param {{ modelsDir?: string, tarball?: string, log?: (line: string) => void,
 *   progress?: (p: { done: number, total: number, name: string, state: 'verified' | 'installed' }) => void }} [options]
 * @returns {Promise<ModelCheck[]>}
 */
export async function fetchModels(options = {}) {
  const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
  const log = options.log ?? (() => {});
  const progress = options.progress ?? (() => {});
  const manifest = await readManifest(modelsDir);
  const before = await verifyModels(modelsDir);
  const todo = manifest.models.filter((m) => !before.find((c) => c.name === m.name)?.ok);
  // A committed model has no other source: a missing or altered copy is restored from git.
  const lost = todo.find((m) => m.committed);
  if (lost) {
    const reason = before.find((c) => c.name === lost.name)?.reason ?? 'missing';
    throw new ModelIntegrityError(
      `model ${lost.name}: ${lost.file} is ${reason === 'mismatch' ? 'altered' : 'missing'}; it is committed with ` +
        `the project (models/SOURCE.md): restore it with \`git checkout -- models/${lost.file}\``,
      lost.name,
    );
  }
  const total = manifest.models.length;
  let done = 0;
  for (const c of before) {
    if (c.ok) {
      log(`model ${c.name}: verified (${c.file})`);
      progress({ done: ++done, total, name: c.name, state: 'verified' });
    } else if (c.reason === 'mismatch') log(`model ${c.name}: sha256 mismatch on disk, fetching a fresh copy`);
  }
  if (todo.length === 0) return before;

  const work = await mkdtemp(join(tmpdir(), 'booth-models-'));
  try {
    const tarball = options.tarball ?? process.env.BOOTH_MODELS_TARBALL ?? (await packTarball(work, manifest.source));
    log(`extracting ${todo.length} model(s) from ${tarball}`);
    const extractDir = join(work, 'x');
    await mkdir(extractDir);
    // Only the listed paths are extracted; the package's scripts and other files never land.
    await run('tar', ['-xzf', tarball, '-C', extractDir, '--no-same-owner', ...todo.map((m) => String(m.path))]);
    await mkdir(modelsDir, { recursive: true });
    for (const m of todo) {
      const extracted = join(extractDir, String(m.path));
      const check = await checkFile(extracted, m.sha256, m.name);
      if (!check.ok) {
        throw new ModelIntegrityError(
          `model ${m.name}: ${m.path} in ${manifest.source.package}@${manifest.source.version} has sha256 ` +
            `${check.sha256 ?? '(missing)'}, expected ${m.sha256} from models/manifest.json; refusing to install it`,
          m.name,
        );
      }
      const tmp = join(modelsDir, `.${m.file}.tmp`);
      await rename(extracted, tmp).catch(async () => {
        // Different filesystems: copy through a read/write.
        const { copyFile } = await import('node:fs/promises');
        await copyFile(extracted, tmp);
      });
      await fsyncPath(tmp);
      await rename(tmp, join(modelsDir, m.file));
      log(`model ${m.name}: installed and verified (${m.sha256.slice(0, 12)}…)`);
      progress({ done: ++done, total, name: m.name, state: 'installed' });
    }
    await fsyncPath(modelsDir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const after = await verifyModels(modelsDir);
  const bad = after.find((c) => !c.ok);
  if (bad) throw new ModelIntegrityError(`model ${bad.name}: ${bad.reason} after install`, bad.name);
  return after;
}

/** @param {string[]} argv */
async function main(argv) {
  const args = argv.slice(2);
  /** @param {string} name */
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const usage = 'usage: models.mjs [fetch|verify] [--models-dir DIR] [--tarball FILE] [--quiet] [--help]\n';
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return;
  }
  const cmd = args[0] && !args[0].startsWith('--') ? args[0] : 'fetch';
  const modelsDir = resolve(flag('--models-dir') ?? DEFAULT_MODELS_DIR);
  const quiet = args.includes('--quiet');
  const log = quiet ? () => {} : (/** @type {string} */ line) => process.stderr.write(`[models] ${line}\n`);
  try {
    if (cmd === 'verify') {
      const checks = await verifyModels(modelsDir);
      for (const c of checks)
        log(`${c.ok ? 'ok      ' : 'FAILED  '} ${c.name} ${c.file}${c.reason ? ` (${c.reason})` : ''}`);
      process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
    } else if (cmd === 'fetch') {
      await fetchModels({ modelsDir, tarball: flag('--tarball'), log });
      const n = (await readdir(modelsDir)).filter((f) => f.endsWith('.onnx')).length;
      log(`${n} model file(s) verified in ${modelsDir}`);
    } else {
      process.stderr.write(usage);
      process.exitCode = 2;
    }
  } catch (err) {
    process.stderr.write(`[models] error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv);
}
