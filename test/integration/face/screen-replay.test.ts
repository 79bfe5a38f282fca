import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { FaceEngine } from '../../../device/face/engine.js';
import { decodeImage } from '../../../device/face/decode.js';
import { frame640 } from '../../../device/face/variants.js';
import { landmarks68 } from '../../../device/face/stages.js';
import { median } from '../../../device/face/liveness.js';
import { decide, passiveRule } from '../../../device/visit/capture-loop.js';
import { EngineFaceVerifier } from '../../../device/visit/face-verifier.js';
import type { FrameCheck } from '../../../device/visit/ports.js';
import {
  genuineFrame,
  replayFrame,
  replayScreen,
  room,
  seeded,
  sway,
  toJpeg,
  type FaceGeometry,
} from '../../../bench/liveness-scenes.js';
import { FACES, startedEngine } from './helpers.js';

const PHOTOS = Array.from({ length: 25 }, (_, i) => `img${i + 1}.jpg`);
const still = { closure: () => 0, yaw: () => 0 };

/**
 * Issue 14: a screen replay of the expert was verified when the passive model took it for a
 * face (bench:liveness: 4-16 % of recorded replays, 28 % of interactive ones). Each photo of the
 * shared set is shown as three camera frames of the person (sway, sensor noise) and as three
 * frames of a recording of them on a screen (moiré, refresh band, gamma; bench/liveness-scenes.ts),
 * and decided as the visit decides (`decide`, the verifier's liveness rule).
 */
describe('screen replay (moiré cue)', () => {
  let engine: FaceEngine;
  let verifier: EngineFaceVerifier;
  let replayJpeg: Buffer | undefined;
  const results: { photo: string; kind: 'genuine' | 'replay'; passive: number; screen: number; verdict: string }[] = [];

  beforeAll(async () => {
    engine = await startedEngine();
    verifier = new EngineFaceVerifier(engine);
    const photos = await Promise.all(PHOTOS.map((p) => readFile(resolve(FACES, p))));
    await verifier.enrol(PHOTOS.map((p, i) => ({ ref: p, photos: [photos[i]!.toString('base64')], templates: [] })));
    const r = seeded(7);
    for (const [i, photo] of PHOTOS.entries()) {
      const base = await decodeImage(await frame640(photos[i]!), engine.settings.decode);
      const a = await engine.analyseImage(base, 'live');
      if (!a.face) continue;
      const b = a.face.box;
      const g: FaceGeometry = {
        cx: (b.x1 + b.x2) / 2,
        cy: (b.y1 + b.y2) / 2,
        w: b.x2 - b.x1,
        h: b.y2 - b.y1,
        points: await landmarks68(engine.inference, base, b),
      };
      const move = sway(r);
      const scene = room(640, 480, r);
      const screen = replayScreen(r);
      for (const kind of ['genuine', 'replay'] as const) {
        const checks: FrameCheck[] = [];
        for (const t of [0, 330, 660]) {
          const person = genuineFrame(base, g, still, move, t, r);
          const frame = kind === 'genuine' ? person : replayFrame(person, scene, screen, t);
          const bytes = await toJpeg(frame);
          if (kind === 'replay') replayJpeg ??= bytes;
          checks.push(await verifier.check(bytes, t));
        }
        const usable = checks.filter((c) => c.match !== null);
        if (usable.length < 3) continue; // not a decidable presentation (quality), either way
        // As the booth decides by default: a challenge follows (its lower passive threshold).
        const d = decide(usable, passiveRule(verifier.liveness, true));
        results.push({
          photo,
          kind,
          passive: median(usable.map((c) => c.liveness ?? 0)),
          screen: median(usable.map((c) => c.observation.screen ?? 0)),
          verdict: d.kind === 'verified' ? 'verified' : d.reason,
        });
      }
    }
  }, 240_000);
  afterAll(() => engine.stop());

  it('rejects every replay, including those the passive model takes for a face', () => {
    if (process.env.SCREEN_DEBUG) console.table(results);
    const replays = results.filter((x) => x.kind === 'replay');
    const { threshold } = passiveRule(verifier.liveness, true);
    expect(replays.length).toBeGreaterThanOrEqual(20);
    // Without the cue these would have been verified: the passive models pass some of them, at
    // the default and more at the 0.2 a hall may set (the site limits go down to 0.1; with the
    // first model alone 8 or more passed; fused with MiniFASNet, fewer).
    expect(replays.filter((x) => x.passive >= threshold).length).toBeGreaterThanOrEqual(1);
    expect(replays.filter((x) => x.passive >= 0.2).length).toBeGreaterThanOrEqual(2);
    expect(replays.filter((x) => x.verdict === 'verified')).toEqual([]);
  });

  it('never takes a camera frame of a face for a screen', () => {
    const genuine = results.filter((x) => x.kind === 'genuine');
    const max = verifier.liveness.screenPeakMax as number;
    expect(genuine.length).toBeGreaterThanOrEqual(20);
    expect(genuine.filter((x) => x.screen > max)).toEqual([]);
    // With a margin: the highest camera frame stays well under the limit, the lowest replay well over.
    const replays = results.filter((x) => x.kind === 'replay');
    expect(Math.max(...genuine.map((x) => x.screen))).toBeLessThan(max / 1.3);
    expect(Math.min(...replays.map((x) => x.screen))).toBeGreaterThan(max * 1.3);
  });

  it('the light path measures it too (the challenge frames)', async () => {
    const replay = await verifier.checkLight(replayJpeg!, 1);
    expect(replay.observation.screen).toBeGreaterThan(verifier.liveness.screenPeakMax as number);
    const frame = await sharp(await readFile(resolve(FACES, 'img2.jpg')))
      .resize(640, 480, { fit: 'contain' })
      .jpeg()
      .toBuffer();
    const light = await verifier.checkLight(frame, 1);
    expect(light.observation.screen).toBeTypeOf('number');
    expect(light.observation.screen).toBeLessThan(verifier.liveness.screenPeakMax as number);
  });
});
