import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera, CameraFrame } from '../../../device/core/ports.js';
import { challengeObservation, type FaceEngine } from '../../../device/face/engine.js';
import { frame640 } from '../../../device/face/variants.js';
import { CaptureLoop, type Decision } from '../../../device/visit/capture-loop.js';
import { EngineFaceVerifier } from '../../../device/visit/face-verifier.js';
import { startedEngine } from '../face/helpers.js';
import { closeEyes, idCardOf, readFace } from './challenge-frames.js';

/**
 * The active challenge is bound to the identity that matched, with the real face engine: a
 * photo of the expert held up to the camera passes the passive match, then someone else blinks
 * in front of the camera. Their frames do not show the expert, so the blink does not count and
 * the challenge expires. The expert's own blink passes. Frames come from a scripted camera with
 * frame times 200 ms apart (no wall clock in any assertion).
 */
const ROSTER = { A: 'img1.jpg', B: 'img13.jpg', C: 'img22.jpg' } as const;

function scriptedCamera(passive: Buffer[], challenge: Buffer[]): Camera {
  let n = 0;
  return {
    info: { kind: 'sim', adapter: 'script', description: 'scripted frames' },
    start: async () => undefined,
    stop: async () => undefined,
    grab: async (): Promise<CameraFrame> => {
      const i = n++;
      const jpeg = i < passive.length ? passive[i] : challenge[(i - passive.length) % challenge.length];
      return { jpeg: jpeg as Buffer, width: 640, height: 480, at: i * 200 };
    },
  };
}

describe('active challenge bound to the matched identity (real engine)', { timeout: 180_000 }, () => {
  let engine: FaceEngine;
  let face: EngineFaceVerifier;
  const frames = new Map<string, { open: Buffer; closed: Buffer }>();
  const blink = (name: string) => {
    const f = frames.get(name);
    if (!f) throw new Error(name);
    return [f.open, f.open, f.closed, f.open];
  };

  beforeAll(async () => {
    engine = await startedEngine((s) => {
      s.challenge.kinds = ['blink'];
      s.challenge.windowMs = 2000;
      s.challenge.minFrames = 3;
    });
    face = new EngineFaceVerifier(engine);
    const roster = [];
    for (const [ref, name] of Object.entries(ROSTER))
      roster.push({ ref, photos: [(await idCardOf(engine, await readFace(name))).toString('base64')], templates: [] });
    expect(await face.enrol(roster)).toEqual(['A', 'B', 'C']);
    for (const name of ['img2.jpg', 'img4.jpg', 'img23.jpg', 'img8.jpg', 'img14.jpg', 'img20.jpg']) {
      const open = await frame640(await readFace(name));
      frames.set(name, { open, closed: await closeEyes(engine, open) });
    }
  }, 120_000);
  afterAll(() => engine.stop());

  async function visit(photo: string, challenge: Buffer[]): Promise<{ decision: Decision; frames: number }> {
    const held = frames.get(photo)?.open as Buffer;
    let seen = 0;
    const decision = await new Promise<Decision>((resolve, reject) => {
      const loop = new CaptureLoop({
        camera: scriptedCamera([held, held, held], challenge),
        face,
        framesToDecide: 3,
        frameIntervalMs: 1,
        activeLiveness: () => true,
        onFrame: () => seen++,
        onDecision: resolve,
        onError: (code, message) => reject(new Error(`${code} ${message}`)),
      });
      loop.start();
    });
    return { decision, frames: seen };
  }

  it('the simulated blink is a blink: the tracker alone passes it for anyone', async () => {
    for (const name of ['img4.jpg', 'img20.jpg', 'img8.jpg']) {
      const closed = await engine.analyse(frames.get(name)?.closed as Buffer, 'live');
      expect(closed.reasons).toContain('eyes_closed');
      const tracker = engine.newChallenge();
      let state = 'pending';
      let at = 0;
      for (const jpeg of blink(name))
        state = tracker.observe(challengeObservation(await engine.analyse(jpeg, 'live'), (at += 200)));
      expect(state).toBe('passed');
    }
  });

  it("the expert's photo passes the match, then the expert blinks: verified as the expert", async () => {
    const r = await visit('img2.jpg', blink('img4.jpg'));
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it("the expert's photo passes the match, then a person not on the roster blinks: not verified", async () => {
    const r = await visit('img2.jpg', blink('img20.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
    expect(r.frames).toBeGreaterThan(3 + 2000 / 200); // every frame until the window ran out
  });

  it('the closest different person in the dataset (img8 against C = img22, cosine up to 0.37) cannot do it either', async () => {
    const r = await visit('img23.jpg', blink('img8.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
  });

  it("another roster member blinking after the expert's photo is rejected as inconsistent", async () => {
    const r = await visit('img2.jpg', blink('img14.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'inconsistent' });
  });
});
