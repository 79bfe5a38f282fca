import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo } from '../../../device/hardware/camera/make-video.js';
import { booth, FACES } from './helpers.js';

/** `booth face watch` on generated videos (real ffmpeg, real engine): one JSON line per analysed frame, then the final line. */
describe('booth face watch', () => {
  let dir: string;
  let config: string;
  let gallery: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'booth-face-watch-'));
    config = join(dir, 'booth.json');
    await writeFile(config, '{}');
    gallery = join(dir, 'gallery');
    await import('node:fs/promises').then((fs) => fs.mkdir(gallery));
    // img1 and img2 are the same person (master.csv); img8 another; img16 is neither.
    await copyFile(resolve(FACES, 'img2.jpg'), join(gallery, 'expert-a.jpg'));
    await copyFile(resolve(FACES, 'img8.jpg'), join(gallery, 'expert-b.jpg'));
    const v = { seconds: 3, fps: 10, width: 640, height: 480 };
    await makeVideo(join(dir, 'expert.avi'), { ...v, image: resolve(FACES, 'img1.jpg') });
    await makeVideo(join(dir, 'stranger.avi'), { ...v, image: resolve(FACES, 'img16.jpg') });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const lines = (out: string) =>
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('verifies a gallery face streamed from a video', async () => {
    const r = await booth(
      'face',
      'watch',
      '--source',
      join(dir, 'expert.avi'),
      '--gallery',
      gallery,
      '--json',
      '--config',
      config,
    );
    const out = lines(r.out);
    const final = out.at(-1)!;
    expect(final, r.err).toMatchObject({ final: true, outcome: 'verified', identity: 'expert-a' });
    expect(r.code).toBe(0);
    const frames = out.slice(0, -1);
    expect(frames.length).toBe(final.framesAnalysed);
    for (const f of frames) expect(Object.keys(f).sort()).toEqual(['atMs', 'identity', 'reasons', 'score']);
    expect(frames.filter((f) => f.identity === 'expert-a').length).toBeGreaterThanOrEqual(3);
    expect(final.msToDecision).toBeGreaterThan(0);
  }, 120_000);

  it('does not verify a face that is not in the gallery', async () => {
    const r = await booth(
      'face',
      'watch',
      '--source',
      join(dir, 'stranger.avi'),
      '--gallery',
      gallery,
      '--json',
      '--config',
      config,
    );
    const final = lines(r.out).at(-1)!;
    expect(['rejected', 'no-decision']).toContain(final.outcome);
    expect(final.identity).toBeNull();
    expect(r.code).toBe(1);
  }, 120_000);

  it('with a challenge, a still photo never passes: it ends in the challenge or rejected', async () => {
    const r = await booth(
      'face',
      'watch',
      '--source',
      join(dir, 'expert.avi'),
      '--gallery',
      gallery,
      '--challenge',
      'blink',
      '--json',
      '--config',
      config,
    );
    const final = lines(r.out).at(-1)!;
    expect(['challenge', 'rejected']).toContain(final.outcome);
    expect(r.code).toBe(1);
  }, 120_000);

  it('refuses a bad --challenge', async () => {
    await expect(
      booth(
        'face',
        'watch',
        '--source',
        join(dir, 'expert.avi'),
        '--gallery',
        gallery,
        '--challenge',
        'dance',
        '--config',
        config,
      ),
    ).resolves.toMatchObject({ code: 64 });
  });
});
