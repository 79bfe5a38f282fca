import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeObservation, type FaceEngine } from '../../../device/face/engine.js';
import { frame640 } from '../../../device/face/variants.js';
import { FACES, startedEngine } from './helpers.js';

/**
 * The active challenge over real frames and real model outputs. A turning head is played as the
 * turned face of couple.jpg followed by its mirror image (yaw about -20 then +20 degrees).
 */
describe('active liveness challenge on frames', () => {
  let engine: FaceEngine;
  let turnedLeft: Buffer;
  let turnedRight: Buffer;
  let still: Buffer;
  beforeAll(async () => {
    engine = await startedEngine();
    const couple = await sharp(await readFile(resolve(FACES, 'couple.jpg')))
      .rotate()
      .toBuffer({ resolveWithObject: true });
    // The right half holds one person with the head turned.
    const half = await sharp(couple.data)
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

  it('decides passive liveness on the median of several frames', async () => {
    const scores: number[] = [];
    for (let i = 0; i < 3; i++) scores.push((await engine.analyse(still, 'live')).face?.liveness ?? 0);
    expect(engine.passiveLiveness(scores.slice(0, 2))).toMatchObject({ decided: false, live: false });
    expect(engine.passiveLiveness(scores)).toMatchObject({ decided: true, live: true });
  });
});
