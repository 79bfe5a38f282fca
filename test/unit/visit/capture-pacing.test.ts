import { afterEach, describe, expect, it } from 'vitest';
import { CaptureLoop, type Decision } from '../../../device/visit/capture-loop.js';
import type { Camera, CameraFrame } from '../../../device/core/ports.js';
import { Challenge, type ChallengeObservation } from '../../../device/face/liveness.js';
import type { FaceBox, FaceVerifier, FrameCheck, LivenessChallenge } from '../../../device/visit/ports.js';

/**
 * The capture loop with a streaming camera (issue 14): analysis paced by the engine, the
 * preview at the camera's rate, and the light path during a challenge with box custody.
 */

/** A streaming camera: a frame every `periodMs`; grab() hands out the newest frame not yet handed out. */
function streamingCamera(periodMs: number): Camera & { produced: number; close(): void } {
  let n = 0;
  let handed = -1;
  let latest: CameraFrame | null = null;
  const listeners = new Set<(f: CameraFrame) => void>();
  const waiters: ((f: CameraFrame) => void)[] = [];
  const timer = setInterval(() => {
    latest = { jpeg: Buffer.from([n & 0xff, n >> 8]), width: 640, height: 480, at: n * periodMs };
    n++;
    for (const l of listeners) l(latest);
    for (const w of waiters.splice(0)) w(latest);
  }, periodMs);
  const seqOf = (f: CameraFrame) => f.jpeg[0]! + (f.jpeg[1]! << 8);
  return {
    get produced() {
      return n;
    },
    close: () => clearInterval(timer),
    info: { kind: 'sim', adapter: 'stream-fake', description: 'scripted stream' },
    start: async () => undefined,
    stop: async () => undefined,
    grab: () =>
      latest && seqOf(latest) > handed
        ? Promise.resolve(((handed = seqOf(latest)), latest))
        : new Promise<CameraFrame>((r) => waiters.push((f) => r(((handed = seqOf(f)), f)))),
    onFrame(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

const BOX: FaceBox = { x1: 100, y1: 100, x2: 300, y2: 300 };
/** Everything the challenge rules measure (liveness.ts): eyes, pose, box and five points. */
const seen = (at: number, open: boolean, box: FaceBox = BOX): ChallengeObservation => ({
  at,
  face: true,
  eyes: open ? { left: 0.9, right: 0.9, open: true } : { left: 0.05, right: 0.05, open: false },
  pose: { yaw: 0, pitch: 0, roll: 0 },
  box,
  points: [
    { x: box.x1 + 60, y: box.y1 + 80 },
    { x: box.x1 + 140, y: box.y1 + 80 },
    { x: box.x1 + 100, y: box.y1 + 120 },
    { x: box.x1 + 70, y: box.y1 + 160 },
    { x: box.x1 + 130, y: box.y1 + 160 },
  ],
});
const frame = (over: Partial<FrameCheck> = {}): FrameCheck => ({
  width: 640,
  height: 480,
  faces: 1,
  box: BOX,
  prompt: null,
  match: { kind: 'match', ref: 'A', score: 0.7 },
  liveness: 0.9,
  observation: seen(0, true),
  continuity: { ref: 'A', score: 0.7 },
  session: 0.9,
  ...over,
});

/** A verifier whose analysis takes `fullMs` (light path `lightMs`); `light(i)` scripts the i-th light frame. */
class SlowVerifier implements FaceVerifier {
  readonly liveness = { threshold: 0.5, minFrames: 2 };
  readonly continuity = { sameSession: 0.56, otherFace: 0.42 };
  full = 0;
  lights = 0;
  calls: ('full' | 'light')[] = [];
  constructor(
    private readonly fullMs: number,
    private readonly lightMs: number,
    private readonly light: ((i: number) => Partial<FrameCheck>) | null,
  ) {
    if (!light) delete (this as Partial<SlowVerifier>).checkLight;
  }
  enrol(): Promise<string[]> {
    throw new Error('not expected');
  }
  forget(): void {}
  async check(_jpeg: Buffer, at: number): Promise<FrameCheck> {
    this.full++;
    this.calls.push('full');
    await new Promise((r) => setTimeout(r, this.fullMs));
    return frame({ observation: seen(at, true) });
  }
  async checkLight(_jpeg: Buffer, at: number): Promise<FrameCheck> {
    const i = this.lights++;
    this.calls.push('light');
    await new Promise((r) => setTimeout(r, this.lightMs));
    const over = this.light?.(i) ?? {};
    const open = over.observation?.eyes?.open ?? true;
    return frame({
      match: null,
      continuity: null,
      session: null,
      liveness: null,
      ...over,
      observation: seen(at, open, over.box ?? BOX),
    });
  }
  newChallenge(): LivenessChallenge {
    return new Challenge('blink', { windowMs: 5000, turnYaw: 15, minFrames: 3, maxGapMs: 1000 });
  }
  keepForChallenge(): void {}
  endChallenge(): void {}
}

const loops: CaptureLoop[] = [];
const cams: { close(): void }[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
  for (const c of cams.splice(0)) c.close();
});

function run(cam: Camera, face: FaceVerifier, o: { active: boolean; frameIntervalMs: number; fullEvery?: number }) {
  const previews: number[] = [];
  let analysed = 0;
  const decision = new Promise<Decision>((resolve, reject) => {
    const loop = new CaptureLoop({
      camera: cam,
      face,
      framesToDecide: 3,
      frameIntervalMs: o.frameIntervalMs,
      activeLiveness: () => o.active,
      challengeFullEvery: o.fullEvery,
      onPreview: (_jpeg, at) => previews.push(at),
      onFrame: () => analysed++,
      onDecision: resolve,
      onError: (code, message) => reject(new Error(`${code} ${message}`)),
    });
    loops.push(loop);
    loop.start();
  });
  return { decision, previews, analysed: () => analysed };
}

describe('capture loop with a streaming camera', () => {
  it('analyses the newest frame as soon as the previous analysis ends: no timer pause', async () => {
    const cam = streamingCamera(10);
    cams.push(cam);
    // A 5 s pause between frames (the old timer) would not decide three frames within 2 s.
    const r = run(cam, new SlowVerifier(30, 10, null), { active: false, frameIntervalMs: 5000 });
    const d = await Promise.race([r.decision, new Promise<'late'>((res) => setTimeout(() => res('late'), 2000))]);
    expect(d).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it('shows the preview at the camera rate while the analysis is slower', async () => {
    const cam = streamingCamera(10);
    cams.push(cam);
    const face = new SlowVerifier(120, 10, null);
    const r = run(cam, face, { active: false, frameIntervalMs: 50 });
    await r.decision;
    // Three analyses of 120 ms: about 36 camera frames went to the preview meanwhile.
    expect(r.previews.length).toBeGreaterThanOrEqual(4 * face.full);
    expect(new Set(r.previews).size).toBe(r.previews.length);
  });

  it('runs the light path during a challenge, with a full check every few frames', async () => {
    const cam = streamingCamera(5);
    cams.push(cam);
    // Light frames: open, closed, open (a blink) on the matched face's box.
    const face = new SlowVerifier(30, 5, (i) => ({
      observation: { at: 0, face: true, eyes: { left: 0, right: 0, open: i !== 1 } },
    }));
    const r = run(cam, face, { active: true, frameIntervalMs: 50, fullEvery: 4 });
    expect(await r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
    expect(face.lights).toBeGreaterThanOrEqual(3);
    expect(face.full).toBe(3); // the three that matched; the blink was seen on light frames
  });

  it('a light frame whose face is elsewhere breaks custody: it does not count for the challenge', async () => {
    const cam = streamingCamera(5);
    cams.push(cam);
    const elsewhere: FaceBox = { x1: 400, y1: 100, x2: 600, y2: 300 };
    // The closed eyes are seen only on a face that is not where the matched face was.
    const face = new SlowVerifier(30, 5, (i) =>
      i === 1 ? { box: elsewhere, observation: { at: 0, face: true, eyes: { left: 0, right: 0, open: false } } } : {},
    );
    const r = run(cam, face, { active: true, frameIntervalMs: 50, fullEvery: 1000 });
    const d = await Promise.race([r.decision, new Promise<'pending'>((res) => setTimeout(() => res('pending'), 600))]);
    expect(d).toBe('pending');
    // After the break (the second light frame) only a full check restores custody.
    expect(face.calls.slice(0, 7)).toEqual(['full', 'full', 'full', 'light', 'light', 'full', 'light']);
  });
});
