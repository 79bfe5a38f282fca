import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { challengeObservation, type FaceEngine } from '../../../device/face/engine.js';
import { EngineFaceVerifier } from '../../../device/visit/face-verifier.js';
import { FACES, startedEngine } from './helpers.js';

/** The challenge's light path sees the same face, eyes and pose as the full analysis, without an embedding. */
describe('light path (analyseLight / checkLight)', () => {
  let engine: FaceEngine;
  let frame: Buffer;
  beforeAll(async () => {
    engine = await startedEngine();
    frame = await sharp(await readFile(resolve(FACES, 'img1.jpg')))
      .resize(640, 480, { fit: 'contain' })
      .jpeg()
      .toBuffer();
  }, 60_000);
  afterAll(() => engine.stop());

  it('gives the box, eye state and pose of the full analysis', async () => {
    const full = await engine.analyse(frame, 'live');
    const light = await engine.analyseLight(frame);
    expect(light.face?.box).toEqual(full.face?.box);
    expect(light.face?.eyes).toEqual(full.face?.eyes);
    expect(light.face?.pose).toEqual(full.face?.pose);
    expect(light.face?.points).toEqual(full.face?.points);
    expect(light.severalFaces).toBe(false);
  });

  it('a light frame carries every measure the challenge rules need (else each one restarts the challenge)', async () => {
    const v = new EngineFaceVerifier(engine);
    const light = (await v.checkLight(frame, 1)).observation;
    const full = challengeObservation(await engine.analyse(frame, 'live'), 1);
    expect(light.box).toEqual(full.box);
    expect(light.points).toEqual(full.points);
    expect(light.points).toHaveLength(5);
  });

  it('checkLight reports the observation only: no match, continuity, session or liveness', async () => {
    const v = new EngineFaceVerifier(engine);
    const c = await v.checkLight(frame, 1234);
    expect(c).toMatchObject({ faces: 1, match: null, continuity: null, session: null, liveness: null, prompt: null });
    expect(c.observation).toMatchObject({ at: 1234, face: true });
    expect(c.observation.eyes).toBeDefined();
    expect(c.observation.pose).toBeDefined();
  });

  it('a frame without a face is "no face" for the challenge', async () => {
    const blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const c = await new EngineFaceVerifier(engine).checkLight(blank, 1);
    expect(c).toMatchObject({ faces: 0, box: null, prompt: 'no_face', observation: { at: 1, face: false } });
  });
});
