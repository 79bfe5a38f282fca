import { beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchModels, verifyModels } from '../../../provisioning/models.mjs';

const GOOD = Buffer.from('pretend ONNX bytes: the real thing is verified the same way');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A tarball shaped like the npm package: package/model/<file>. */
async function tarball(dir: string, name: string, bytes: Buffer): Promise<string> {
  const root = join(dir, `src-${name}`);
  await mkdir(join(root, 'package', 'model'), { recursive: true });
  await writeFile(join(root, 'package', 'model', 'fr_tiny.onnx'), bytes);
  const out = join(dir, `${name}.tgz`);
  execFileSync('tar', ['-czf', out, '-C', root, 'package']);
  return out;
}

let work: string;
let modelsDir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'booth-models-'));
  modelsDir = join(work, 'models');
  await mkdir(modelsDir);
  await writeFile(
    join(modelsDir, 'manifest.json'),
    JSON.stringify({
      source: { package: 'faceplugin-face-recognition-js', version: '0.0.1' },
      models: [
        {
          name: 'tiny',
          path: 'package/model/fr_tiny.onnx',
          file: 'fr_tiny.onnx',
          sha256: sha(GOOD),
          inputs: {},
          outputs: {},
        },
      ],
    }),
  );
});

describe('model fetch and verification', () => {
  it('installs a model whose sha256 matches, and does not fetch it again', async () => {
    const checks = await fetchModels({ modelsDir, tarball: await tarball(work, 'good', GOOD) });
    expect(checks).toEqual([expect.objectContaining({ name: 'tiny', ok: true })]);
    expect(await readFile(join(modelsDir, 'fr_tiny.onnx'))).toEqual(GOOD);
    // Idempotent: a verified file needs no source at all.
    const again = await fetchModels({ modelsDir, tarball: join(work, 'no-such.tgz') });
    expect(again[0]?.ok).toBe(true);
  });

  it('refuses a tampered model from the source, with a clear message, installing nothing', async () => {
    const bad = Buffer.from(GOOD);
    bad[3] = (bad[3] ?? 0) ^ 0x01;
    await expect(fetchModels({ modelsDir, tarball: await tarball(work, 'bad', bad) })).rejects.toMatchObject({
      code: 'BOOTH_ERR_MODEL_INTEGRITY',
      message: expect.stringMatching(
        /model tiny: .* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64} .* refusing to install it/,
      ),
    });
    expect((await verifyModels(modelsDir))[0]).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('detects a model tampered with on disk, and a fetch replaces it with verified bytes', async () => {
    await fetchModels({ modelsDir, tarball: await tarball(work, 'good', GOOD) });
    await writeFile(join(modelsDir, 'fr_tiny.onnx'), Buffer.concat([GOOD, Buffer.from('!')]));
    expect((await verifyModels(modelsDir))[0]).toMatchObject({ ok: false, reason: 'mismatch' });
    await fetchModels({ modelsDir, tarball: await tarball(work, 'good2', GOOD) });
    expect((await verifyModels(modelsDir))[0]).toMatchObject({ ok: true });
  });

  it('verifies a model committed with the project, and never fetches one that is missing or altered', async () => {
    const manifest = JSON.parse(await readFile(join(modelsDir, 'manifest.json'), 'utf8')) as { models: object[] };
    const COMMITTED = Buffer.from('committed ONNX bytes');
    manifest.models.push({
      name: 'kept',
      committed: true,
      file: 'kept.onnx',
      sha256: sha(COMMITTED),
      inputs: {},
      outputs: {},
    });
    await writeFile(join(modelsDir, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(modelsDir, 'kept.onnx'), COMMITTED);
    const checks = await fetchModels({ modelsDir, tarball: await tarball(work, 'good', GOOD) });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['tiny', true],
      ['kept', true],
    ]);
    for (const [state, bytes] of [
      ['altered', Buffer.concat([COMMITTED, Buffer.from('!')])],
      ['missing', null],
    ] as const) {
      if (bytes) await writeFile(join(modelsDir, 'kept.onnx'), bytes);
      else await rm(join(modelsDir, 'kept.onnx'));
      await expect(
        fetchModels({ modelsDir, tarball: await tarball(work, `again-${state}`, GOOD) }),
      ).rejects.toMatchObject({
        code: 'BOOTH_ERR_MODEL_INTEGRITY',
        message: expect.stringContaining(`kept.onnx is ${state}; it is committed with the project`),
      });
    }
    // An entry with neither a source path nor `committed` is refused when the manifest is read.
    manifest.models.push({ name: 'orphan', file: 'orphan.onnx', sha256: sha(GOOD), inputs: {}, outputs: {} });
    await writeFile(join(modelsDir, 'manifest.json'), JSON.stringify(manifest));
    await expect(verifyModels(modelsDir)).rejects.toThrow(/"orphan" needs .* either path or committed/);
  });

  it('the shipped manifest pins every model the face engine uses', async () => {
    const manifest = JSON.parse(await readFile('models/manifest.json', 'utf8')) as {
      models: { name: string; sha256: string }[];
    };
    expect(manifest.models.map((m) => m.name).sort()).toEqual([
      'detect',
      'eye',
      'fasV1se',
      'fasV2',
      'feature',
      'landmark',
      'liveness',
      'pose',
    ]);
    for (const m of manifest.models) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('`npm run models` runs the model script that exists: --help touches nothing, a fetch from a tarball installs', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    const file = /^node (\S+)/.exec(pkg.scripts.models ?? '')?.[1];
    expect(file && existsSync(file), `npm run models -> ${pkg.scripts.models}`).toBe(true);
    const help = spawnSync('npm', ['run', '--silent', 'models', '--', '--help'], { encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: models.mjs \[fetch\|verify\]/);
    const fetched = spawnSync(
      'npm',
      ['run', '--silent', 'models', '--', '--models-dir', modelsDir, '--tarball', await tarball(work, 'npm', GOOD)],
      { encoding: 'utf8' },
    );
    expect(fetched.status, fetched.stderr).toBe(0);
    expect(await readFile(join(modelsDir, 'fr_tiny.onnx'))).toEqual(GOOD);
  });
});
