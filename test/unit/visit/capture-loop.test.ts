import { describe, expect, it } from 'vitest';
import { CaptureLoop, type Decision } from '../../../device/visit/capture-loop.js';
import type { Camera, CameraFrame } from '../../../device/core/ports.js';
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
});
const two: FrameCheck = { ...match('A'), faces: 2, prompt: 'several_faces', match: null };

class ScriptedVerifier implements FaceVerifier {
  readonly liveness = { threshold: 0.5, minFrames: 2 };
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
    let phase = 0; // open -> closed -> open
    return {
      kind: 'blink',
      observe: (o) => {
        const open = o.eyes?.open ?? true;
        if (phase === 0 && open) phase = 1;
        else if (phase === 1 && !open) phase = 2;
        else if (phase === 2 && open) return 'passed';
        return 'pending';
      },
    };
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
});
