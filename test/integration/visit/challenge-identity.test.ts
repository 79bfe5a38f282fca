import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera, CameraFrame } from '../../../device/core/ports.js';
import { challengeObservation, type FaceEngine } from '../../../device/face/engine.js';
import { frame640 } from '../../../device/face/variants.js';
import { CaptureLoop, type Decision } from '../../../device/visit/capture-loop.js';
import { EngineFaceVerifier } from '../../../device/visit/face-verifier.js';
import { startedEngine } from '../face/helpers.js';
import { closeEyes, idCardOf, readFace } from './challenge-frames.js';

/**
 * The active challenge is bound to the face that matched, with the real face engine: a photo of
 * the expert held up to the camera passes the passive match, then someone else blinks in front
 * of the camera. Their frames are not the face of the frames that matched (the live templates
 * kept for the challenge), so the blink does not count and the challenge expires. The expert's
 * own blink passes, also against an old roster photo. Frames come from a scripted camera with
 * frame times 200 ms apart (no wall clock in any assertion). Roster references are ID-card size.
 */
const ROSTER = { A: 'img1.jpg', B: 'img13.jpg', C: 'img22.jpg', D: 'img12.jpg' } as const;

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
      // This file is about the binding to the matched face: the passive liveness over the
      // challenge frames (img9 reads 0.50 open and 0.34 closed) is left out of it here.
      s.challenge.livenessMin = 0;
    });
    face = new EngineFaceVerifier(engine);
    const roster = [];
    for (const [ref, name] of Object.entries(ROSTER))
      roster.push({ ref, photos: [(await idCardOf(engine, await readFace(name))).toString('base64')], templates: [] });
    expect(await face.enrol(roster)).toEqual(['A', 'B', 'C', 'D']);
    for (const name of [
      'img2.jpg',
      'img4.jpg',
      'img23.jpg',
      'img8.jpg',
      'img14.jpg',
      'img20.jpg',
      'img22.jpg',
      'img9.jpg',
      'img3.jpg',
    ]) {
      const open = await frame640(await readFace(name));
      frames.set(name, { open, closed: await closeEyes(engine, open) });
    }
  }, 120_000);
  afterAll(() => engine.stop());

  /** Three frames of `photo` for the passive match, then the challenge frames; `stopAfter` frames stop capture. */
  async function visit(
    photo: string,
    challenge: Buffer[],
    stopAfter = Infinity,
  ): Promise<{ decision: Decision | 'stopped'; frames: number; heldAtDecision: number | null; heldDuring: number }> {
    const held = frames.get(photo)?.open as Buffer;
    let seen = 0;
    let heldAtDecision: number | null = null;
    let heldDuring = 0;
    let stopping: Promise<void> | undefined;
    const decision = await new Promise<Decision | 'stopped'>((resolve, reject) => {
      const loop: CaptureLoop = new CaptureLoop({
        camera: scriptedCamera([held, held, held], challenge),
        face,
        framesToDecide: 3,
        frameIntervalMs: 1,
        activeLiveness: () => true,
        onFrame: () => {
          heldDuring = Math.max(heldDuring, face.held);
          if (++seen === stopAfter) stopping = loop.stop().then(() => resolve('stopped'));
        },
        onDecision: (d) => {
          heldAtDecision = face.held;
          resolve(d);
        },
        onError: (code, message) => reject(new Error(`${code} ${message}`)),
      });
      loop.start();
    });
    await stopping;
    return { decision, frames: seen, heldAtDecision, heldDuring };
  }

  it('the simulated blink is a blink: the tracker alone passes it for anyone', async () => {
    for (const name of ['img4.jpg', 'img20.jpg', 'img8.jpg', 'img9.jpg', 'img3.jpg']) {
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

  it('the expert in front of the camera blinks: verified as the expert', async () => {
    const r = await visit('img4.jpg', blink('img4.jpg'));
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it("the expert blinks against an old roster photo (img3 against D = img12's ID card, the dataset's weakest same-person pair): verified", async () => {
    const r = await visit('img3.jpg', blink('img3.jpg'));
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'D' });
  });

  it("the expert's photo passes the match, then the expert (another photo of A) blinks: verified as the expert", async () => {
    const r = await visit('img2.jpg', blink('img4.jpg'));
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it("the expert's photo passes the match, then a person not on the roster blinks: not verified", async () => {
    const r = await visit('img2.jpg', blink('img20.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
    // Every frame until the window, which starts at the first matched frame (the prompt), ran out.
    expect(r.frames).toBeGreaterThan(2000 / 200);
  });

  it('the closest different people of the measurement (img9 blinking after the photo img22, cosine 0.374) cannot do it', async () => {
    const r = await visit('img22.jpg', blink('img9.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
    expect(r.frames).toBeGreaterThan(2000 / 200);
  });

  it('nor img8 blinking after the photo img23 of C (img8 is the closest to C = img22 among the roster photos)', async () => {
    const r = await visit('img23.jpg', blink('img8.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
  });

  it("another roster member blinking after the expert's photo is rejected as inconsistent", async () => {
    const r = await visit('img2.jpg', blink('img14.jpg'));
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'inconsistent' });
  });

  it('the live templates are kept only while the challenge runs: none after passed, expired, inconsistent or stop', async () => {
    for (const [photo, challenge] of [
      ['img4.jpg', blink('img4.jpg')],
      ['img2.jpg', blink('img20.jpg')],
      ['img2.jpg', blink('img14.jpg')],
    ] as const) {
      const r = await visit(photo, challenge);
      expect(r.heldDuring).toBe(3); // the three frames that matched
      expect(r.heldAtDecision).toBe(0);
      expect(face.held).toBe(0);
    }
    const held = frames.get('img2.jpg')?.open as Buffer;
    const stopped = await visit('img2.jpg', [held], 3 + 2);
    expect(stopped.decision).toBe('stopped');
    expect(stopped.heldDuring).toBe(3);
    expect(face.held).toBe(0);
  });
});
