import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../../device/face/engine.js';
import { runPairs } from '../../../device/face/pairs-run.js';
import { FACES, MASTER, startedEngine } from './helpers.js';

/** The acceptance number of the face engine: master.csv at the shipped default threshold. */
describe('master.csv, original images', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await startedEngine();
  });
  afterAll(() => engine.stop());

  it('gets 300 of 300 pairs right at the shipped threshold, with every face found', async () => {
    const run = await runPairs(engine, MASTER, FACES, 'original');
    expect(run.summary.threshold).toBe(0.42);
    expect(run.noFace).toEqual([]);
    expect(run.summary.pairs).toBe(300);
    expect(run.summary.correct).toBe(300);
    // The classes are separated with room on both sides of the threshold.
    expect(run.summary.lowestSame).toBeGreaterThan(0.42);
    expect(run.summary.highestDifferent).toBeLessThan(0.42);
    expect(run.summary.margin).toBeGreaterThan(0.05);
  });
});
