import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import { FaceEngine } from '../../../device/face/engine.js';
import { hostPaths } from '../../../device/paths.js';
import { defaultSettings, modelsDirWithTampered } from './helpers.js';

/** The engine loads only models whose bytes match the manifest. */
describe('model integrity at start', () => {
  let dir: string;
  const models = hostPaths().modelsDir;
  beforeAll(async () => {
    dir = await modelsDirWithTampered('eye');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses a tampered model with BOOTH_ERR_MODEL_INTEGRITY naming it, and stays not ready', async () => {
    const engine = new FaceEngine({ settings: defaultSettings(), modelsDir: dir });
    let err: unknown;
    try {
      await engine.start();
    } catch (e) {
      err = e;
    }
    expect(isBoothError(err, 'BOOTH_ERR_MODEL_INTEGRITY')).toBe(true);
    expect((err as Error).message).toMatch(/model eye: sha256 .* differs from the manifest/);
    expect(engine.ready).toBe(false);
  });

  it('says which file is missing', async () => {
    await rm(join(dir, 'fr_eye.onnx'));
    await symlink(join(models, 'fr_eye.onnx'), join(dir, 'fr_eye.onnx'));
    await rm(join(dir, 'fr_pose.onnx'));
    const engine = new FaceEngine({ settings: defaultSettings(), modelsDir: dir });
    await expect(engine.start()).rejects.toThrow(/model pose: .*fr_pose\.onnx missing/);
  });
});
