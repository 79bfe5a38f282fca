import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eyeCentres } from '../../../device/face/align.js';
import { decodeImage } from '../../../device/face/decode.js';
import type { FaceEngine } from '../../../device/face/engine.js';
import { softmax } from '../../../device/face/heads.js';
import { boxToAffine, warpToTensor } from '../../../device/face/raster.js';
import { fasScore, headPose, landmarks68, livenessInput } from '../../../device/face/stages.js';
import { median } from '../../../device/face/liveness.js';
import { fillFrame } from '../../../device/hardware/camera/fill-frame.js';
import type { RgbImage } from '../../../device/face/types.js';
import { frame640 } from '../../../device/face/variants.js';
import { FACES, startedEngine } from './helpers.js';

/**
 * How we know what the liveness, eye and pose outputs mean: checked on data (docs/face.md).
 * Real dataset faces have open eyes and are live captures; skin crops stand in for closed eyes;
 * a face re-displayed on a simulated screen stands in for a replay attack.
 */
const IMAGES = ['img1.jpg', 'img3.jpg', 'img8.jpg', 'img12.jpg', 'img13.jpg', 'img16.jpg', 'img18.jpg', 'img20.jpg'];
const read = (name: string) => readFile(resolve(FACES, name));

/** The frame shown on a screen: scanlines, a blue cast and a black bezel, re-captured at 640x480. */
async function screenReplay(photo: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(photo)
    .rotate()
    .resize(560, 420, { fit: 'cover' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i += 3) {
    const row = Math.floor(i / 3 / info.width);
    const m = row % 3 === 0 ? 0.75 : 1;
    data[i] = Math.min(255, (data[i] as number) * m * 0.9);
    data[i + 1] = Math.min(255, (data[i + 1] as number) * m);
    data[i + 2] = Math.min(255, (data[i + 2] as number) * m * 1.1 + 12);
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extend({ top: 30, bottom: 30, left: 40, right: 40, background: '#101010' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const run = async (engine: FaceEngine, name: 'eye' | 'liveness' | 'pose', input: Float32Array) =>
  (await engine.inference.run(name, input)).outputs;

describe('what the model outputs mean', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await startedEngine();
  });
  afterAll(() => engine.stop());

  async function face(
    jpeg: Buffer,
  ): Promise<{ img: RgbImage; box: NonNullable<Awaited<ReturnType<FaceEngine['analyse']>>['face']>['box'] } | null> {
    const a = await engine.analyse(jpeg, 'reference');
    if (!a.face) return null;
    return { img: await decodeImage(jpeg, engine.settings.decode), box: a.face.box };
  }

  it('eye model: index 1 is "open" (high on real eyes, low on skin where no eye is open)', async () => {
    let openOnEyes = 0;
    let openOnSkin = 0;
    const spec = { width: 24, height: 24, channels: 'gray', mean: [0], scale: [1 / 255], border: 0 } as const;
    for (const name of IMAGES) {
      const f = await face(await frame640(await read(name)));
      if (!f) throw new Error(`${name}: no face`);
      const points = await landmarks68(engine.inference, f.img, f.box);
      const { left } = eyeCentres(points);
      const half = (Math.hypot(points[39]!.x - points[36]!.x, points[39]!.y - points[36]!.y) * 1.6) / 2;
      const crop = (cy: number) =>
        warpToTensor(
          f.img,
          boxToAffine({ x1: left.x - half, y1: cy - half, x2: left.x + half, y2: cy + half }, 24, 24),
          spec,
        );
      const pEye = softmax((await run(engine, 'eye', crop(left.y)))[0]!)[1]!;
      const pSkin = softmax((await run(engine, 'eye', crop(left.y + 2.2 * half)))[0]!)[1]!;
      if (pEye > 0.5) openOnEyes++;
      if (pSkin > 0.5) openOnSkin++;
    }
    expect(openOnEyes).toBe(IMAGES.length);
    expect(openOnSkin).toBe(0);
    expect(engine.settings.liveness.eyeOpenIndex).toBe(1);
  });

  it('liveness model: index 0 is "real" with BGR input (live frames score high, screen replays lower)', async () => {
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const live: number[] = [];
    const replay: number[] = [];
    for (const name of IMAGES) {
      const photo = await read(name);
      for (const [jpeg, into] of [
        [await frame640(photo), live],
        [await screenReplay(photo), replay],
      ] as const) {
        const f = await face(jpeg);
        if (!f) continue;
        into.push(softmax((await run(engine, 'liveness', livenessInput(f.img, f.box)))[0]!)[0]!);
      }
    }
    expect(live).toHaveLength(IMAGES.length);
    expect(replay.length).toBeGreaterThanOrEqual(3);
    expect(live.filter((p) => p > 0.5).length).toBeGreaterThanOrEqual(IMAGES.length - 1);
    expect(mean(live)).toBeGreaterThan(mean(replay) + 0.15);
    expect(engine.settings.liveness.realIndex).toBe(0);
  });

  it('second liveness model (MiniFASNet): index 1 is "real" (camera-like frames high, screen replays low)', async () => {
    const live: number[] = [];
    const replay: number[] = [];
    for (const name of IMAGES) {
      const photo = await read(name);
      const frame = await (await fillFrame(photo, 640, 480)).jpeg({ quality: 90 }).toBuffer();
      for (const [jpeg, into] of [
        [frame, live],
        [await screenReplay(photo), replay],
      ] as const) {
        const f = await face(jpeg);
        if (f) into.push(await fasScore(engine.inference, f.img, f.box));
      }
    }
    if (process.env.SEMANTICS_DEBUG) console.log({ live, replay });
    expect(live).toHaveLength(IMAGES.length);
    expect(replay.length).toBeGreaterThanOrEqual(3);
    expect(median(live)).toBeGreaterThan(0.5);
    expect(Math.max(...replay)).toBeLessThan(median(live));
    expect(median(replay)).toBeLessThan(0.2);
  });

  it('the frame liveness fuses both models: a screen replay the first model takes for a face is refused', async () => {
    const firstPasses: string[] = [];
    const fusedPasses: string[] = [];
    for (const name of IMAGES) {
      const jpeg = await screenReplay(await read(name));
      const a = await engine.analyse(jpeg, 'live');
      const f = await face(jpeg);
      if (!a.face || !f) continue;
      const first = softmax((await run(engine, 'liveness', livenessInput(f.img, f.box)))[0]!)[0]!;
      if (process.env.SEMANTICS_DEBUG) console.log(name, first, a.face.liveness);
      if (first >= engine.settings.challenge.livenessMin) firstPasses.push(name);
      if ((a.face.liveness ?? 0) >= engine.settings.challenge.livenessMin) fusedPasses.push(name);
    }
    expect(firstPasses.length).toBeGreaterThanOrEqual(1);
    expect(fusedPasses).toEqual([]);
  });

  it('pose model: outputs are yaw, pitch, roll; mirroring negates yaw, rotating shifts roll', async () => {
    // The man on the image's right in couple.jpg has his head turned (|yaw| about 20 degrees).
    const photo = await sharp(await read('couple.jpg'))
      .rotate()
      .toBuffer();
    const pose = async (jpeg: Buffer) => {
      const a = await engine.analyse(jpeg, 'reference');
      const f = await face(jpeg);
      if (!a.face || !f) throw new Error('no face');
      return headPose(engine.inference, f.img, f.box);
    };
    const original = await pose(photo);
    const mirrored = await pose(await sharp(photo).flop().jpeg().toBuffer());
    expect(Math.abs(original.yaw)).toBeGreaterThan(10);
    expect(Math.sign(mirrored.yaw)).toBe(-Math.sign(original.yaw));
    expect(Math.abs(original.yaw + mirrored.yaw)).toBeLessThan(8);
    const upright = await pose(await frame640(await read('img20.jpg')));
    const turned = await pose(
      await sharp(await frame640(await read('img20.jpg')))
        .rotate(20, { background: '#808080' })
        .jpeg()
        .toBuffer(),
    );
    expect(turned.roll - upright.roll).toBeGreaterThan(10);
  });
});
