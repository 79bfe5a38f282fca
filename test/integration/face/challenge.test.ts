import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeObservation, type FaceEngine } from '../../../device/face/engine.js';
import { parsePairsCsv } from '../../../device/face/evaluate.js';
import { cosine } from '../../../device/face/match.js';
import { frame640 } from '../../../device/face/variants.js';
import { closeEyes, idCardOf } from '../visit/challenge-frames.js';
import { FACES, MASTER, startedEngine } from './helpers.js';

/**
 * The active challenge over real frames and real model outputs. A turning head is played as the
 * turned face of couple.jpg followed by its mirror image (yaw about -20 then +20 degrees).
 */
describe('active liveness challenge on frames', () => {
  let engine: FaceEngine;
  let turnedLeft: Buffer;
  let turnedRight: Buffer;
  let still: Buffer;
  let half: Buffer;
  beforeAll(async () => {
    engine = await startedEngine();
    const couple = await sharp(await readFile(resolve(FACES, 'couple.jpg')))
      .rotate()
      .toBuffer({ resolveWithObject: true });
    // The right half holds one person with the head turned.
    half = await sharp(couple.data)
      .extract({
        left: Math.round(couple.info.width / 2),
        top: 0,
        width: Math.floor(couple.info.width / 2),
        height: couple.info.height,
      })
      .toBuffer();
    turnedLeft = await frame640(half);
    turnedRight = await frame640(await sharp(half).flop().toBuffer());
    still = await frame640(await readFile(resolve(FACES, 'img20.jpg')));
  });
  afterAll(() => engine.stop());

  const observe = async (jpeg: Buffer, at: number) => challengeObservation(await engine.analyse(jpeg, 'live'), at);

  it('passes a turn toward the side whose yaw the frames show', async () => {
    const first = await engine.analyse(turnedLeft, 'live');
    const yaw = first.face?.pose?.yaw ?? 0;
    expect(Math.abs(yaw)).toBeGreaterThan(10);
    // Picking with random() = 0.99 gives the last kind: turn-right. Play the frames so the
    // head ends on the side with the larger yaw.
    const challenge = engine.newChallenge(() => 0.99);
    expect(challenge.kind).toBe('turn-right');
    const [from, to] = yaw < 0 ? [turnedLeft, turnedRight] : [turnedRight, turnedLeft];
    const states = [];
    let at = 0;
    for (const jpeg of [from, from, from, to]) states.push(challenge.observe(await observe(jpeg, (at += 200))));
    expect(states).toEqual(['pending', 'pending', 'pending', 'passed']);
  });

  it('never passes a still photo: it expires after the window', async () => {
    const challenge = engine.newChallenge(() => 0);
    expect(challenge.kind).toBe('blink');
    const frame = await observe(still, 0);
    let state = 'pending';
    for (let at = 0; at <= engine.settings.challenge.windowMs + 200; at += 200)
      state = challenge.observe({ ...frame, at });
    expect(state).toBe('expired');
  });

  /**
   * The data behind face.challenge.sameFaceThreshold (docs/face.md): during a challenge a frame
   * counts only when it shows the matched person with at least that cosine score against the
   * reference, though its eyes are closed or its head turned. Every same-person challenge frame
   * must stay at or above it, every different-person pair below it.
   */
  it(
    'same-face threshold: same-person challenge frames above it, different people below',
    { timeout: 300_000 },
    async () => {
      const T = engine.settings.challenge.sameFaceThreshold;
      const pairs = parsePairsCsv(await readFile(MASTER, 'utf8'), MASTER);
      const names = [...new Set(pairs.flatMap((p) => [p.x, p.y]))];
      const refs = new Map<string, Float32Array[]>(); // original photo and ID-card size
      const probes = new Map<string, Float32Array[]>(); // open and closed-eye 640x480 frames
      const template = async (jpeg: Buffer) => {
        const t = (await engine.analyse(jpeg, 'live')).template;
        if (!t) throw new Error('no face');
        return engine.embedding(t);
      };
      for (const name of names) {
        const photo = await readFile(resolve(FACES, name));
        refs.set(name, [
          engine.embedding(await engine.enrol(photo)),
          engine.embedding(await engine.enrol(await idCardOf(engine, photo))),
        ]);
        const open = await frame640(photo);
        probes.set(name, [await template(open), await template(await closeEyes(engine, open))]);
      }
      const same: number[] = [];
      const different: number[] = [];
      for (const p of pairs)
        for (const [r, q] of [
          [p.x, p.y],
          [p.y, p.x],
        ] as const)
          for (const ref of refs.get(r) ?? [])
            for (const probe of probes.get(q) ?? []) (p.same ? same : different).push(cosine(ref, probe));
      // The turning head of the challenge above: the man in couple.jpg against his own photo.
      const couple = [engine.embedding(await engine.enrol(half))];
      couple.push(engine.embedding(await engine.enrol(await idCardOf(engine, half))));
      for (const frame of [
        turnedLeft,
        turnedRight,
        await closeEyes(engine, turnedLeft),
        await closeEyes(engine, turnedRight),
      ]) {
        const probe = await template(frame);
        for (const ref of couple) same.push(cosine(ref, probe));
        for (const refsOf of refs.values()) for (const ref of refsOf) different.push(cosine(ref, probe));
      }
      expect(same).toHaveLength(38 * 2 * 2 * 2 + 4 * 2);
      expect(Math.min(...same)).toBeGreaterThanOrEqual(T);
      expect(Math.max(...different)).toBeLessThan(T);
    },
  );

  it('decides passive liveness on the median of several frames', async () => {
    const scores: number[] = [];
    for (let i = 0; i < 3; i++) scores.push((await engine.analyse(still, 'live')).face?.liveness ?? 0);
    expect(engine.passiveLiveness(scores.slice(0, 2))).toMatchObject({ decided: false, live: false });
    expect(engine.passiveLiveness(scores)).toMatchObject({ decided: true, live: true });
  });
});
