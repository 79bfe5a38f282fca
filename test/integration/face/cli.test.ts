import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booth, FACES } from './helpers.js';

describe('booth face', () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'booth-face-cli-'));
    config = join(dir, 'booth.json');
    await writeFile(config, '{}');
    await writeFile(
      join(dir, 'pairs.csv'),
      'file_x,file_y,Decision\nimg20.jpg,img21.jpg,Yes\nimg3.jpg,img12.jpg,Yes\nimg22.jpg,img8.jpg,No\nimg1.jpg,img16.jpg,No\n',
    );
    await copyFile(resolve(FACES, 'img20.jpg'), join(dir, 'expert-a.jpg'));
    await copyFile(resolve(FACES, 'img8.jpg'), join(dir, 'expert-b.jpg'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('eval --json prints the summary object', async () => {
    const r = await booth(
      'face',
      'eval',
      '--pairs',
      join(dir, 'pairs.csv'),
      '--images',
      FACES,
      '--json',
      '--config',
      config,
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as Record<string, unknown>;
    expect(s).toMatchObject({ pairs: 4, correct: 4, accuracy: 1, threshold: 0.42, bestAccuracy: 1, noFace: [] });
    for (const k of ['bestThreshold', 'margin']) expect(typeof s[k]).toBe('number');
    expect(s.margin as number).toBeGreaterThan(0);
  });

  it('identify --json prints one object per probe with identity and scores', async () => {
    const gallery = join(dir, 'gallery');
    await mkdir(gallery);
    await copyFile(join(dir, 'expert-a.jpg'), join(gallery, 'expert-a.jpg'));
    await copyFile(join(dir, 'expert-b.jpg'), join(gallery, 'expert-b.jpg'));
    const probes = join(dir, 'probes');
    await mkdir(probes, { recursive: true });
    await copyFile(resolve(FACES, 'img21.jpg'), join(probes, 'same-as-a.jpg'));
    await copyFile(resolve(FACES, 'img16.jpg'), join(probes, 'stranger.jpg'));
    const r = await booth('face', 'identify', '--gallery', gallery, '--probe', probes, '--json', '--config', config);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { probe: string; identity: string; score: number; second: number | null });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ probe: join(probes, 'same-as-a.jpg'), identity: 'expert-a' });
    expect(lines[0]!.score).toBeGreaterThan(0.42);
    expect(lines[1]).toMatchObject({ probe: join(probes, 'stranger.jpg'), identity: 'unknown' });
  });

  it('check --json prints quality, liveness, pose and eyes', async () => {
    const r = await booth('face', 'check', resolve(FACES, 'img12.jpg'), '--json', '--config', config);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as Record<string, unknown>;
    expect(c).toMatchObject({ faces: 1, usable: true, reasons: [] });
    expect(c.pose).toEqual({ yaw: expect.any(Number), pitch: expect.any(Number), roll: expect.any(Number) });
    expect(c.eyes).toMatchObject({ open: true });
    expect(typeof c.liveness).toBe('number');
  });

  it('check on a non-image prints a clear error and exits 1', async () => {
    const r = await booth('face', 'check', join(dir, 'pairs.csv'), '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/expected a JPEG, PNG or WebP image/);
  });

  it('refuses missing options with the usage', async () => {
    const r = await booth('face', 'eval', '--images', FACES);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/--pairs FILE.csv and --images DIR are required/);
    expect((await booth('face', 'nope')).code).toBe(64);
  });
});
