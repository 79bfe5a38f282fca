import { describe, expect, it } from 'vitest';
import { CaptureLoop, type Decision } from '../../../device/visit/capture-loop.js';
import type { Camera, CameraFrame } from '../../../device/core/ports.js';
import { Challenge } from '../../../device/face/liveness.js';
import type { FaceVerifier, FrameCheck, LivenessChallenge } from '../../../device/visit/ports.js';

/** A camera that hands out numbered frames; the verifier answers per frame from a script. */
function camera(): Camera {
  let n = 0;
  return {
    info: { kind: 'sim', adapter: 'script', description: 'scripted' },
    start: async () => undefined,
    stop: async () => undefined,
    grab: async (): Promise<CameraFrame> => ({ jpeg: Buffer.from([n++]), width: 640, height: 480, at: n * 100 }),
  };
}

const match = (ref: string, eyesOpen = true): FrameCheck => ({
  width: 640,
  height: 480,
  faces: 1,
  box: { x1: 1, y1: 1, x2: 2, y2: 2 },
  prompt: null,
  match: { kind: 'match', ref, score: 0.7 },
  liveness: 0.9,
  observation: { at: 0, face: true, eyes: { left: 0.9, right: 0.9, open: eyesOpen } },
  continuity: { ref, score: 0.7 },
});
const two: FrameCheck = { ...match('A'), faces: 2, prompt: 'several_faces', match: null, continuity: null };

/**
 * A challenge frame: one face whose quality gates may fail (closed eyes are what a blink asks
 * for), so there is no 1:N decision, only the continuity (best roster identity and score).
 */
const seen = (continuity: FrameCheck['continuity'], eyesOpen = true): FrameCheck => ({
  ...match('A', eyesOpen),
  prompt: eyesOpen ? null : 'eyes_closed',
  match:
    !eyesOpen || !continuity
      ? null
      : continuity.score > 0.42
        ? { kind: 'match', ...continuity }
        : { kind: 'unknown', reason: 'below_threshold', score: continuity.score },
  continuity,
});
/** The matched expert doing the blink: open, closed (below the match threshold), open. */
const expertBlink = [
  seen({ ref: 'A', score: 0.62 }),
  seen({ ref: 'A', score: 0.4 }, false),
  seen({ ref: 'A', score: 0.6 }),
];
/** Someone else blinking: nobody in the roster (no continuity), or B below the match threshold. */
const impostorBlink = (other: FrameCheck['continuity']) => [seen(other), seen(other, false), seen(other)];

class ScriptedVerifier implements FaceVerifier {
  readonly liveness = { threshold: 0.5, minFrames: 2 };
  readonly continuity = { sameFace: 0.385, otherFace: 0.42 };
  challenges = 0;
  constructor(private readonly script: FrameCheck[]) {}
  enrol(): Promise<string[]> {
    throw new Error('not expected');
  }
  forget(): void {
    throw new Error('not expected');
  }
  async check(jpeg: Buffer, at: number): Promise<FrameCheck> {
    const c = this.script[jpeg[0] ?? 0];
    if (!c) throw new Error(`no frame ${jpeg[0]} in the script`);
    return { ...c, observation: { ...c.observation, at } };
  }
  newChallenge(): LivenessChallenge {
    this.challenges++;
    // The real tracker: open, closed, open over consecutive frames (100 ms apart here) within 1 s.
    return new Challenge('blink', { windowMs: 1000, turnYaw: 15, minFrames: 3, maxGapMs: 500 });
  }
}

async function run(script: FrameCheck[], active: boolean) {
  const face = new ScriptedVerifier(script);
  const prompts: (string | null)[] = [];
  const decision = await new Promise<Decision>((resolve) => {
    const loop = new CaptureLoop({
      camera: camera(),
      face,
      framesToDecide: 3,
      frameIntervalMs: 1,
      activeLiveness: () => active,
      onFrame: (c) => prompts.push(c.prompt),
      onDecision: resolve,
      onError: (code, message) => {
        throw new Error(`${code} ${message}`);
      },
    });
    loop.start();
  });
  return { decision, prompts, challenges: face.challenges };
}

describe('capture loop', () => {
  it('decides after three agreeing frames; a second face clears the evidence', async () => {
    const r = await run([match('A'), two, match('A'), match('A'), match('A')], false);
    expect(r.decision).toEqual({ kind: 'verified', ref: 'A', score: 0.7, liveness: 0.9 });
    expect(r.prompts).toEqual([null, 'several_faces', null, null, null]);
  });

  it('with active liveness, asks for the challenge and verifies once it is done', async () => {
    const r = await run([match('A'), match('A'), match('A'), match('A'), match('A', false), match('A')], true);
    expect(r.challenges).toBe(1);
    expect(r.prompts.slice(3)).toEqual(['challenge-blink', 'challenge-blink', 'challenge-blink']);
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it('rejects when another person takes over during the challenge', async () => {
    const r = await run([match('A'), match('A'), match('A'), match('B')], true);
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'inconsistent' });
  });

  it('rejects as inconsistent a challenge frame of another roster member above the match threshold, even with closed eyes', async () => {
    const r = await run([match('A'), match('A'), match('A'), seen({ ref: 'B', score: 0.5 }, false)], true);
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'inconsistent' });
  });
});

describe('capture loop: the challenge is bound to the matched identity', () => {
  const passive = [match('A'), match('A'), match('A')];
  /** Enough frames to outlast the 1 s window at 100 ms per frame. */
  const repeat = (frames: FrameCheck[], n = 24) => Array.from({ length: n }, (_, i) => frames[i % frames.length]!);

  for (const [name, other] of [
    ['a face that matches nobody in the roster', { ref: 'B', score: 0.05 }],
    ['a face the quality gates refuse with no continuity (several faces, no face)', null],
    ['another roster member below the match threshold', { ref: 'B', score: 0.38 }],
    ['the matched ref itself below the same-face threshold', { ref: 'A', score: 0.38 }],
  ] as const) {
    it(`impostor: a photo of A passes the match, then ${name} blinks: never verified, expires as 'challenge'`, async () => {
      const r = await run([...passive, ...repeat(impostorBlink(other))], true);
      expect(r.challenges).toBe(1);
      expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
      // Every frame was shown until the 1 s window ran out (frames 100 ms apart): no early pass.
      expect(r.prompts.length).toBeGreaterThan(passive.length + 10);
    });
  }

  it('impostor alternating with the photo of A: the photo cannot blink, the other face does not count', async () => {
    const photo = seen({ ref: 'A', score: 0.7 });
    const r = await run([...passive, ...repeat([photo, seen(null, false), photo])], true);
    expect(r.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
  });

  it('genuine: A blinks with continuity A at or above the same-face threshold: verified', async () => {
    const r = await run([...passive, ...expertBlink], true);
    expect(r.decision).toEqual({ kind: 'verified', ref: 'A', score: 0.7, liveness: 0.9 });
    expect(r.prompts.slice(3)).toEqual(['challenge-blink', 'challenge-blink', 'challenge-blink']);
    const atThreshold = [
      seen({ ref: 'A', score: 0.6 }),
      seen({ ref: 'A', score: 0.385 }, false),
      seen({ ref: 'A', score: 0.6 }),
    ];
    expect((await run([...passive, ...atThreshold], true)).decision).toMatchObject({ kind: 'verified', ref: 'A' });
  });

  it('a frame of A interleaved with an unknown face restarts the sequence', async () => {
    const [open, closed] = expertBlink as [FrameCheck, FrameCheck, FrameCheck];
    // open, closed, [unknown face], open: would be a blink if the unknown frame counted (or were skipped).
    const r = await run([...passive, open, closed, seen(null), open, closed, open], true);
    expect(r.decision).toMatchObject({ kind: 'verified', ref: 'A' });
    expect(r.prompts).toHaveLength(passive.length + 6); // passed only on the last frame
    const stopped = await run([...passive, open, closed, seen({ ref: 'B', score: 0.2 }), ...repeat([open])], true);
    expect(stopped.decision).toEqual({ kind: 'rejected', reason: 'challenge' });
  });
});
