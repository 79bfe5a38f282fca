import type { EyeState, HeadPose } from './types.js';

/**
 * Liveness decisions over frame sequences (pure; time comes in with each observation).
 *
 * Passive: the liveness model's "real" probability is noisy frame to frame, so the decision is
 * the median over the last frames, and needs a minimum number of frames.
 *
 * Active: a random challenge (blink, or turn the head to the person's own left or right) must be
 * completed over consecutive frames within a time window. A photo cannot blink or turn; a
 * replayed video would have to show exactly the requested action in time.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface PassiveRule {
  threshold: number;
  minFrames: number;
}

export interface PassiveVerdict {
  decided: boolean;
  live: boolean;
  score: number;
  frames: number;
}

/** Median "real" probability of the last `window` frames against the threshold. */
export function passiveVerdict(
  scores: readonly number[],
  rule: PassiveRule,
  window = 2 * rule.minFrames,
): PassiveVerdict {
  const recent = scores.slice(-window);
  const score = median(recent);
  const decided = recent.length >= rule.minFrames;
  return {
    decided,
    live: decided && score >= rule.threshold,
    score: Number.isNaN(score) ? 0 : score,
    frames: recent.length,
  };
}

export type ChallengeKind = 'blink' | 'turn-left' | 'turn-right';

export interface ChallengeRule {
  windowMs: number;
  /** Degrees beyond the starting yaw a turn must reach. */
  turnYaw: number;
  /** Frames needed in all (the first ones give the starting pose). */
  minFrames: number;
  /** Two frames further apart than this are not consecutive: the challenge starts over. */
  maxGapMs: number;
}

/** What the engine saw in one frame of the challenge. */
export interface ChallengeObservation {
  /** Monotonic milliseconds. */
  at: number;
  /** Exactly one face was in the frame (the visit also sets false when it is not the matched person). */
  face: boolean;
  eyes?: EyeState;
  pose?: HeadPose;
}

export type ChallengeState = 'pending' | 'passed' | 'expired';

/** Picks a challenge kind with an injected random source (tests pass a fixed one). */
export function pickChallenge(kinds: readonly ChallengeKind[], random: () => number): ChallengeKind {
  if (kinds.length === 0) throw new RangeError('no challenge kinds configured');
  return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))] as ChallengeKind;
}

/**
 * Tracks one challenge. Blink: eyes seen open, then closed, then open again. Turn: the yaw
 * moves from its starting value (median of the first frames) by turnYaw in the asked direction
 * (yaw is positive toward the person's own right). A frame without a face or a gap in the
 * sequence restarts the observation; the window runs from the first frame.
 */
export class Challenge {
  private startedAt: number | null = null;
  private lastAt: number | null = null;
  private frames: ChallengeObservation[] = [];
  private result: ChallengeState = 'pending';

  constructor(
    readonly kind: ChallengeKind,
    private readonly rule: ChallengeRule,
  ) {}

  get state(): ChallengeState {
    return this.result;
  }

  observe(o: ChallengeObservation): ChallengeState {
    if (this.result !== 'pending') return this.result;
    if (this.startedAt === null) this.startedAt = o.at;
    if (o.at - this.startedAt > this.rule.windowMs) return (this.result = 'expired');
    if (!o.face || (this.lastAt !== null && o.at - this.lastAt > this.rule.maxGapMs)) this.frames = [];
    this.lastAt = o.at;
    if (!o.face) return this.result;
    this.frames.push(o);
    if (this.frames.length >= this.rule.minFrames && this.completed()) this.result = 'passed';
    return this.result;
  }

  private completed(): boolean {
    return this.kind === 'blink' ? this.blinked() : this.turned(this.kind === 'turn-right' ? 1 : -1);
  }

  private blinked(): boolean {
    let phase: 'open' | 'closed' | 'reopened' | 'start' = 'start';
    for (const f of this.frames) {
      if (!f.eyes) continue;
      if (phase === 'start' && f.eyes.open) phase = 'open';
      else if (phase === 'open' && !f.eyes.open) phase = 'closed';
      else if (phase === 'closed' && f.eyes.open) phase = 'reopened';
    }
    return phase === 'reopened';
  }

  private turned(sign: 1 | -1): boolean {
    const yaws = this.frames.flatMap((f) => (f.pose ? [f.pose.yaw] : []));
    if (yaws.length < 3) return false;
    const start = median(yaws.slice(0, 2));
    return yaws.slice(2).some((y) => sign * (y - start) >= this.rule.turnYaw);
  }
}
