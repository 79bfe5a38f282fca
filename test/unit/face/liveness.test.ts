import { describe, expect, it } from 'vitest';
import {
  Challenge,
  median,
  passiveVerdict,
  pickChallenge,
  type ChallengeObservation,
  type ChallengeRule,
} from '../../../device/face/liveness.js';

const rule: ChallengeRule = { windowMs: 5000, turnYaw: 15, minFrames: 4, maxGapMs: 500 };
const open = { left: 0.99, right: 0.98, open: true };
const shut = { left: 0.02, right: 0.05, open: false };
const frontal = (yaw = 0) => ({ yaw, pitch: 0, roll: 0 });

function feed(c: Challenge, frames: Partial<ChallengeObservation>[], step = 100): string[] {
  return frames.map((f, i) => c.observe({ at: 1000 + i * step, face: true, ...f }));
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
});

describe('active challenge', () => {
  it('picks a kind with the injected random source', () => {
    expect(pickChallenge(['blink', 'turn-left', 'turn-right'], () => 0)).toBe('blink');
    expect(pickChallenge(['blink', 'turn-left', 'turn-right'], () => 0.99)).toBe('turn-right');
    expect(() => pickChallenge([], () => 0)).toThrow(/no challenge kinds/);
  });

  it('passes a blink: open, closed, open again', () => {
    const c = new Challenge('blink', rule);
    expect(feed(c, [{ eyes: open }, { eyes: open }, { eyes: shut }, { eyes: open }])).toEqual([
      'pending',
      'pending',
      'pending',
      'passed',
    ]);
  });

  it('does not pass eyes that stay open (a photo) or stay closed', () => {
    const photo = new Challenge('blink', rule);
    feed(
      photo,
      Array.from({ length: 10 }, () => ({ eyes: open })),
    );
    expect(photo.state).toBe('pending');
    const closed = new Challenge('blink', rule);
    feed(
      closed,
      Array.from({ length: 10 }, () => ({ eyes: shut })),
    );
    expect(closed.state).toBe('pending');
  });

  it('passes a turn to the asked side and ignores the other side', () => {
    const right = new Challenge('turn-right', rule);
    feed(right, [{ pose: frontal(2) }, { pose: frontal(0) }, { pose: frontal(8) }, { pose: frontal(19) }]);
    expect(right.state).toBe('passed');
    const left = new Challenge('turn-left', rule);
    feed(left, [{ pose: frontal(2) }, { pose: frontal(0) }, { pose: frontal(8) }, { pose: frontal(25) }]);
    expect(left.state).toBe('pending');
    left.observe({ at: 1400, face: true, pose: frontal(-16) }); // 17 degrees to the left of the start (1)
    expect(left.state).toBe('passed');
  });

  it('restarts on a gap or a frame without a face, so frames must be consecutive', () => {
    const c = new Challenge('blink', rule);
    c.observe({ at: 0, face: true, eyes: open });
    c.observe({ at: 100, face: true, eyes: shut });
    c.observe({ at: 900, face: true, eyes: open }); // 800 ms gap > 500: starts over
    c.observe({ at: 1000, face: true, eyes: open });
    expect(c.state).toBe('pending');
    const d = new Challenge('blink', rule);
    feed(d, [{ eyes: open }, { eyes: shut }, { face: false }, { eyes: open }, { eyes: open }]);
    expect(d.state).toBe('pending');
  });

  it('expires after the window and stays expired', () => {
    const c = new Challenge('turn-left', rule);
    c.observe({ at: 0, face: true, pose: frontal() });
    expect(c.observe({ at: 5001, face: true, pose: frontal(-40) })).toBe('expired');
    expect(c.observe({ at: 5002, face: true, pose: frontal(-40) })).toBe('expired');
  });
});
