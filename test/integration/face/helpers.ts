import { copyFile, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileValidator } from '../../../protocol/validate.js';
import { FaceConfig, type FaceSettings } from '../../../device/config/sections/face.js';
import { FaceEngine } from '../../../device/face/engine.js';
import { hostPaths } from '../../../device/paths.js';
import { main } from '../../../device/cli/main.js';
import { vi } from 'vitest';

/** The shared dataset sits beside the repository (CI clones it as ../shared). */
export const FACES = resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/datasets/faces');
export const MASTER = resolve(FACES, 'master.csv');

export function defaultSettings(change: (s: FaceSettings) => void = () => undefined): FaceSettings {
  const s = compileValidator(FaceConfig, { defaults: true }).parse({});
  change(s);
  return s;
}

export async function startedEngine(change?: (s: FaceSettings) => void): Promise<FaceEngine> {
  const engine = new FaceEngine({ settings: defaultSettings(change) });
  await engine.start();
  return engine;
}

/**
 * A temporary models folder: the manifest, the shipped models linked, and `tampered` (a model
 * name) as a copy with one byte changed. The caller removes the folder.
 */
export async function modelsDirWithTampered(tampered: string): Promise<string> {
  const models = hostPaths().modelsDir;
  const dir = await mkdtemp(join(tmpdir(), 'booth-face-models-'));
  await copyFile(join(models, 'manifest.json'), join(dir, 'manifest.json'));
  // Every model the manifest lists (fetched and committed ones), one of them altered.
  const manifest = JSON.parse(await readFile(join(models, 'manifest.json'), 'utf8')) as { models: { file: string }[] };
  const altered = `fr_${tampered}.onnx`;
  for (const { file } of manifest.models.filter((m) => m.file !== altered))
    await symlink(join(models, file), join(dir, file));
  const bytes = await readFile(join(models, altered));
  bytes[bytes.length - 100] = (bytes[bytes.length - 100]! + 1) % 256; // one byte changed
  await writeFile(join(dir, altered), bytes);
  return dir;
}

/** Runs `booth ...` in-process and returns the exit code and what it printed. */
export async function booth(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
