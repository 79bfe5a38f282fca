import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../../device/face/engine.js';
import { runPairs } from '../../../device/face/pairs-run.js';
import { FACES, MASTER, startedEngine } from './helpers.js';

/**
 * Booth-like versions of master.csv: references enrolled from 640x480 letterboxed frames or
 * from ID-card-sized (102x126) crops, probes analysed as live 640x480 camera frames.
 */
describe('master.csv, booth-like images', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await startedEngine();
  });
  afterAll(() => engine.stop());

  it('gets 300 of 300 pairs right on 640x480 letterboxed frames', async () => {
    const run = await runPairs(engine, MASTER, FACES, 'frame640');
    expect(run.noFace).toEqual([]);
    expect(run.summary.correct).toBe(300);
  });

  it('verifies every same-person pair from an ID-card-sized reference, with no false accept', async () => {
    const run = await runPairs(engine, MASTER, FACES, 'idcard');
    expect(run.noFace).toEqual([]);
    const same = run.scored.filter((p) => p.same);
    const accepted = same.filter((p) => (p.score ?? -1) > engine.settings.match.threshold);
    expect(same).toHaveLength(38);
    expect(accepted).toHaveLength(38);
    expect(run.summary.correct).toBe(300);
  });
});
