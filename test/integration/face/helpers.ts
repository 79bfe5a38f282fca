import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileValidator } from '../../../device/core/validate.js';
import { FaceConfig, type FaceSettings } from '../../../device/config/sections/face.js';
import { FaceEngine } from '../../../device/face/engine.js';

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
