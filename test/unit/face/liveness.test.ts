import { describe, expect, it } from 'vitest';
import {
  Challenge,
  fusedLiveness,
  median,
  passiveVerdict,
  pickChallenge,
  type ChallengeObservation,
  type ChallengeRule,
  CHALLENGE_DEFAULTS,
  noseFrame,
} from '../../../device/face/liveness.js';

const rule: ChallengeRule = CHALLENGE_DEFAULTS;
const open = { left: 0.99, right: 0.98, open: true };
const shut = { left: 0.02, right: 0.05, open: false };
const half = { left: 0.5, right: 0.45, open: false };

/**
 * A synthetic face: box centred at (cx, cy) of height h, five points of a face of eye distance
 * 0.4 h. `yaw3d`: the head turned (the nose, 0.45 eye distances in front of the eye-mouth plane,
 * moves across the image by depth x sin(yaw)). `flat`: a photo turned by that angle about a
 * vertical axis (every point compressed toward the centre: an affine map, the nose keeps its place
 * in the face's affine frame).
 */
function face(o: { cx?: number; cy?: number; h?: number; yaw3d?: number; flat?: number } = {}) {
  const { cx = 320, cy = 240, h = 200, yaw3d = 0, flat = 0 } = o;
  const d = 0.4 * h;
  const rad = ((yaw3d || flat) * Math.PI) / 180;
  const squeeze = Math.cos(rad);
  // Person turns to their own right (yaw > 0): the nose moves toward the image's left.
  const noseDx = yaw3d ? -0.45 * d * Math.sin(rad) : 0;
  const p = (x: number, y: number) => ({ x: cx + x * squeeze, y: cy + y });
  const points = [
    p(-d / 2, -0.2 * h),
    p(d / 2, -0.2 * h),
    { x: cx + noseDx, y: cy + 0.05 * h },
    p(-0.4 * d, 0.25 * h),
    p(0.4 * d, 0.25 * h),
  ] as const;
  return {
    box: { x1: cx - 0.4 * h, y1: cy - h / 2, x2: cx + 0.4 * h, y2: cy + h / 2 },
    points,
    pose: { yaw: yaw3d || flat, pitch: 0, roll: 0 },
    liveness: 0.9,
  };
}

type Frame = Partial<ChallengeObservation> & { shape?: Parameters<typeof face>[0] };

/** Frames `step` ms apart (about 6.7 per second: the light analysis path on a Pi 4). */
function feed(c: Challenge, frames: Frame[], step = 150): string[] {
  return frames.map(({ shape, ...f }, i) =>
    c.observe({ at: 1000 + i * step, face: true, eyes: open, ...face(shape), ...f }),
  );
}

describe('passive liveness', () => {
  it('uses the median so one bad frame does not decide', () => {
    expect(median([0.9, 0.1, 0.8])).toBe(0.8);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(passiveVerdict([0.9, 0.05, 0.85, 0.9], { threshold: 0.5, minFrames: 3 })).toMatchObject({
      decided: true,
      live: true,
    });
  });

  it('waits for enough frames and rejects a low median', () => {
    expect(passiveVerdict([0.9, 0.9], { threshold: 0.5, minFrames: 3 })).toMatchObject({ decided: false, live: false });
    expect(passiveVerdict([0.2, 0.3, 0.9], { threshold: 0.5, minFrames: 3 })).toMatchObject({
      decided: true,
      live: false,
    });
  });

  it('fuses the two models so that a firm "spoof" from either stops a frame the other takes for real', () => {
    // A screen replay the first model takes for a face (0.98) and MiniFASNet calls a spoof (0.01).
    expect(fusedLiveness(0.98, 0.01)).toBeLessThan(0.2);
    expect(fusedLiveness(0.01, 0.98)).toBeLessThan(0.2);
    // Genuine frames: both high, or one merely unsure (the bench's lowest genuine: 1.00 and 0.48).
    expect(fusedLiveness(1, 0.48)).toBeGreaterThan(0.5);
    expect(fusedLiveness(0.9, 0.9)).toBeCloseTo(0.9);
    // A mean would have let the replay through at the 0.5 threshold: the fusion is not a mean.
    expect((0.98 + 0.01) / 2).toBeGreaterThan(0.49);
    expect(fusedLiveness(-0.1, 0.5)).toBe(0);
  });
});

describe('active challenge', () => {
  it('picks a kind with the injected random source', () => {
    expect(pickChallenge(['blink', 'turn-left', 'turn-right'], () => 0)).toBe('blink');
    expect(pickChallenge(['blink', 'turn-left', 'turn-right'], () => 0.99)).toBe('turn-right');
    expect(() => pickChallenge([], () => 0)).toThrow(/no challenge kinds/);
  });

  it('passes a blink: both eyes open, closed (one frame is enough), open again, the face still', () => {
    const c = new Challenge('blink', rule);
    expect(feed(c, [{}, {}, { eyes: half }, { eyes: shut }, { eyes: half }, {}])).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'passed',
    ]);
    // At 5 frames/s (200 ms apart) one closed frame between two open ones is a blink.
    const slow = new Challenge('blink', rule);
    feed(slow, [{}, {}, { eyes: shut }, {}], 200);
    expect(slow.state).toBe('passed');
  });

  it('does not pass eyes that stay open (a photo), stay closed, close too long, or wink', () => {
    for (const eyes of [open, shut, half]) {
      const c = new Challenge('blink', rule);
      feed(
        c,
        Array.from({ length: 20 }, () => ({ eyes })),
      );
      expect(c.state).toBe('pending');
    }
    const long = new Challenge('blink', rule);
    feed(long, [{}, { eyes: shut }, { eyes: shut }, { eyes: shut }, { eyes: shut }, {}]); // 600 ms closed
    expect(long.state).toBe('pending');
    const wink = new Challenge('blink', rule);
    feed(wink, [{}, { eyes: { left: 0.02, right: 0.95, open: true } }, {}]);
    expect(wink.state).toBe('pending');
    // A flicker of the eye model that never reaches the hysteresis thresholds.
    const flicker = new Challenge('blink', rule);
    feed(flicker, [
      {},
      { eyes: { left: 0.6, right: 0.6, open: true } },
      { eyes: half },
      { eyes: { left: 0.6, right: 0.65, open: true } },
    ]);
    expect(flicker.state).toBe('pending');
  });

  it('does not pass eye changes that come with a print moved, tilted or zoomed in hand', () => {
    const moved = new Challenge('blink', rule);
    feed(moved, [{}, {}, { eyes: shut, shape: { cx: 350 } }, {}]); // 30 px on a 200 px face
    expect(moved.state).toBe('pending');
    const zoomed = new Challenge('blink', rule);
    feed(zoomed, [{}, {}, { eyes: shut, shape: { h: 225 } }, {}]);
    expect(zoomed.state).toBe('pending');
    const tilted = new Challenge('blink', rule);
    feed(tilted, [{}, {}, { eyes: shut, pose: { yaw: 0, pitch: 20, roll: 0 } }, {}]);
    expect(tilted.state).toBe('pending');
    // The pose model's yaw jumps 9-12 deg on real shut eyes with the face still (real video,
    // docs/face.md): that is a blink.
    const real = new Challenge('blink', rule);
    feed(real, [{}, {}, { eyes: shut, pose: { yaw: 12, pitch: 0, roll: 0 } }, {}]);
    expect(real.state).toBe('passed');
    // Still, a blink after the print was put down passes: the stillness is per blink.
    const settled = new Challenge('blink', rule);
    feed(settled, [{ shape: { cx: 380 } }, { shape: { cx: 350 } }, {}, {}, { eyes: shut }, {}]);
    expect(settled.state).toBe('passed');
  });

  it('needs live-looking frames: a blink shown with a low passive liveness does not pass', () => {
    const c = new Challenge('blink', rule);
    feed(c, [{ liveness: 0.1 }, { liveness: 0.05 }, { eyes: shut, liveness: 0.4 }, { liveness: 0.15 }]);
    expect(c.state).toBe('pending');
  });

  it("needs frames without a screen's moiré: a blink or a turn replayed on a screen does not pass", () => {
    const replayed = new Challenge('blink', rule);
    feed(replayed, [{ screen: 900 }, { screen: 700 }, { eyes: shut, screen: 1200 }, { screen: 800 }]);
    expect(replayed.state).toBe('pending');
    const turned = new Challenge('turn-left', rule);
    feed(
      turned,
      [0, 0, -10, -25, -30, -20, -5, 0].map((yaw3d) => ({ shape: { yaw3d }, screen: 2000 })),
    );
    expect(turned.state).toBe('pending');
    // A camera frame of a face: the same sequences pass (one odd frame does not decide: median).
    const live = new Challenge('blink', rule);
    feed(live, [{ screen: 30 }, { screen: 45 }, { eyes: shut, screen: 600 }, { screen: 40 }]);
    expect(live.state).toBe('passed');
    const unknown = new Challenge('blink', rule);
    feed(unknown, [{ screen: null }, {}, { eyes: shut }, {}]);
    expect(unknown.state).toBe('passed');
  });

  it('restarts on a gap longer than a blink or a frame without the face', () => {
    const c = new Challenge('blink', rule);
    const at = (t: number, eyes = open) => c.observe({ at: t, face: true, eyes, ...face() });
    at(0);
    at(150, shut);
    at(800); // 650 ms gap > 600: starts over
    at(950);
    expect(c.state).toBe('pending');
    const d = new Challenge('blink', rule);
    feed(d, [{}, { eyes: shut }, { face: false }, {}, {}]);
    expect(d.state).toBe('pending');
    const e = new Challenge('blink', rule);
    feed(e, [{}, { eyes: shut }, { box: undefined }, {}, {}]); // measures missing: fails closed
    expect(e.state).toBe('pending');
  });

  it("passes at the full analysis path's rate, which the first challenge frames come at", () => {
    // Until the passive decision the frames are full checks: 2.8 frames/s on a Pi 4 budget,
    // 290-430 ms apart with jitter. A 400 ms gap rule restarted these sequences (bench:liveness:
    // 11 of 50 genuine presentations failed the challenge that way).
    const turn = new Challenge('turn-right', rule);
    const yaws = [0, 1, 12, 22, 24, 10, 2];
    expect(
      feed(
        turn,
        yaws.map((y) => ({ shape: { yaw3d: y }, pose: { yaw: y, pitch: 0, roll: 0 } })),
        430,
      ).at(-1),
    ).toBe('passed');
    const blink = new Challenge('blink', rule);
    expect(feed(blink, [{}, {}, { eyes: shut }, {}], 430).at(-1)).toBe('passed');
  });

  it('passes a 3-D turn to the asked side and back, not the other side', () => {
    const turn = (yaws: number[]): Frame[] =>
      yaws.map((y) => ({ shape: { yaw3d: y }, pose: { yaw: y, pitch: 0, roll: 0 } }));
    const right = new Challenge('turn-right', rule);
    feed(right, turn([0, 1, 8, 18, 22, 12, 4]));
    expect(right.state).toBe('passed');
    const left = new Challenge('turn-left', rule);
    feed(left, turn([0, 1, 8, 18, 22, 12, 4]));
    expect(left.state).toBe('pending');
    const leftOk = new Challenge('turn-left', rule);
    feed(leftOk, turn([0, -1, -8, -18, -22, -12, -4]));
    expect(leftOk.state).toBe('passed');
    const stays = new Challenge('turn-right', rule);
    feed(stays, turn([0, 1, 8, 18, 22, 22, 22, 22])); // never comes back
    expect(stays.state).toBe('pending');
  });

  it('does not pass a flat photo turned about a vertical axis, even when the pose model reads a yaw', () => {
    expect(noseFrame(face({ flat: 30 }).points).u).toBeCloseTo(noseFrame(face().points).u, 6);
    expect(noseFrame(face({ yaw3d: 20 }).points).u).toBeLessThan(-0.1);
    const flat = new Challenge('turn-right', rule);
    feed(
      flat,
      [0, 1, 10, 25, 30, 12, 2].map((y) => ({ shape: { flat: y }, pose: { yaw: y, pitch: 0, roll: 0 } })),
    );
    expect(flat.state).toBe('pending');
  });

  it('does not pass a nose shift when the head-pose model says the other side', () => {
    const c = new Challenge('turn-right', rule);
    feed(
      c,
      [0, 1, 8, 18, 22, 12, 4].map((y) => ({ shape: { yaw3d: y }, pose: { yaw: -y, pitch: 0, roll: 0 } })),
    );
    expect(c.state).toBe('pending');
  });

  it('does not pass a turn out and back slower than turnMaxMs', () => {
    const c = new Challenge('turn-right', rule);
    const yaws = [0, 0, 8, 18, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 12, 4];
    feed(
      c,
      yaws.map((y) => ({ shape: { yaw3d: y }, pose: { yaw: y, pitch: 0, roll: 0 } })),
    );
    expect(c.state).toBe('pending');
  });

  it('fails after the window and stays failed', () => {
    const c = new Challenge('turn-left', rule);
    c.observe({ at: 0, face: true, eyes: open, ...face() });
    expect(c.observe({ at: 4001, face: true, eyes: open, ...face({ yaw3d: -40 }) })).toBe('expired');
    expect(c.observe({ at: 4002, face: true, eyes: open, ...face() })).toBe('expired');
  });
});
