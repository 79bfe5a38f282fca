import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../../device/face/engine.js';
import { frame640 } from '../../../device/face/variants.js';
import { FolderCamera } from '../../../device/hardware/camera/folder.js';
import { ManualClock } from '../../../device/core/clock.js';
import { FACES, startedEngine } from './helpers.js';

/**
 * Why camera frames made from photos must not carry black bars (fill-frame.ts): the passive
 * liveness model takes bars inside its crop for the border of a print or a screen. img5 is a
 * portrait photo, so a 4:3 frame of it has bars at the sides.
 */
let engine: FaceEngine;
let work: string;
beforeAll(async () => {
  engine = await startedEngine();
  work = await mkdtemp(join(tmpdir(), 'booth-fill-'));
}, 120_000);
afterAll(async () => {
  await engine.stop();
  await rm(work, { recursive: true, force: true });
});

describe('camera frames from photos', () => {
  it('the passive model calls a genuine portrait with black bars a spoof, and the same photo filling the frame live', async () => {
    const photo = resolve(FACES, 'img5.jpg');
    const barred = await engine.analyse(await frame640(await readFile(photo)), 'live');
    expect(barred.face?.liveness).toBeLessThan(0.2); // under face.challenge.livenessMin

    // The simulator's camera (FolderCamera) frames it as the booth would see a person.
    await copyFile(photo, join(work, 'frame.jpg'));
    const cam = new FolderCamera({ source: work, width: 640, height: 480, clock: new ManualClock() });
    await cam.start();
    const filled = await engine.analyse((await cam.grab()).jpeg, 'live');
    await cam.stop();
    expect(filled.reasons).toEqual([]);
    expect(filled.face?.liveness).toBeGreaterThanOrEqual(0.5); // face.liveness.threshold
  });
});
