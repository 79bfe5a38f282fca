import type { Box, EyeState, FivePoints, HeadPose } from './types.js';
import { compileValidator } from '../../protocol/validate.js';
import { FaceChallengeConfig, FaceLivenessConfig } from '../config/sections/face.js';

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

/**
 * The screen-replay cue over frames (screen-cue.ts): the median of the frames' moiré peaks at
 * most `max`. Frames without a value (a light path on an old engine, a small face) do not count;
 * none at all is no evidence either way.
 */
export function screenLooksLive(values: readonly (number | null | undefined)[], max: number): boolean {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length === 0 || median(known) <= max;
}

/**
 * One frame's passive liveness from the two models: the geometric mean of their "real"
 * probabilities (a product of likelihoods, so either model's firm "spoof" pulls it down; a mean
 * would let one model's confident "real" outvote the other's). The faceplugin model alone let a
 * screen replay through on most frames (median 0.98 over the bench's replays, 0.92 over real
 * video replays) while MiniFASNet scored them 0.00-0.10; both give genuine frames
 * 0.7-1.0 (docs/face.md "Second passive model").
 */
export function fusedLiveness(model: number, fas: number): number {
  return Math.sqrt(Math.max(0, model) * Math.max(0, fas));
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

/**
 * The rules of the active challenge, from measured durations (docs/face.md, "Active liveness
 * challenge"): a blink lasts 100-400 ms, a deliberate head turn out and back about 1-2 s.
 */
export interface ChallengeRule {
  /** The whole challenge, from its first frame; then it has failed ('expired'). */
  windowMs: number;
  /**
   * Two frames further apart than this are not consecutive and the sequence starts over (a
   * print swapped or covered between them). Above the full analysis path's frame period on a
   * Pi 4 budget (2.8 frames/s, 290-430 ms with jitter): until the passive decision the challenge
   * sees frames at that rate, and a smaller gap restarted most sequences there (docs/face.md).
   * A blink shorter than a gap can fall between two frames: missed, never made up.
   */
  maxGapMs: number;
  /** Frames the consecutive sequence needs at least (open, closed, open is 3). */
  minFrames: number;
  /**
   * Degrees: a turn whose head-pose yaw moves more than this toward the other side does not
   * count (the pose model, noisy by several degrees frame to frame, vetoes; the nose shift
   * measures the turn).
   */
  turnYaw: number;
  /** A turn goes out and back (nose within turnNoseShift / 2 of the start) within this. */
  turnMaxMs: number;
  /**
   * The turn, measured in 3-D: the nose tip's position in the affine frame of the eyes and mouth
   * must move by this share of the eye axis toward the asked side. A flat photo turned or tilted
   * keeps it (an affine map keeps affine coordinates; a homography of a print nearly so); a head,
   * whose nose stands out of the eye-mouth plane by about 0.4 eye distances, moves it by about
   * 0.4 tan(yaw): 0.1 is about 15 degrees.
   */
  turnNoseShift: number;
  /** From the first closed frame to the first open one again at most this (a blink, not closed eyes). */
  blinkMaxMs: number;
  /** Closed: both eyes' open probability at most this. */
  eyeClosedBelow: number;
  /** Open: both eyes' open probability at least this (hysteresis against a flickering eye model). */
  eyeOpenAbove: number;
  /** During a blink the face box centre moves at most this share of the face height ... */
  stillShift: number;
  /** ... its height at most this share (log ratio), the eye distance / face height ratio twice that ... */
  stillScale: number;
  /** ... and yaw, pitch and roll at most this many degrees: a print moved in hand is not still. */
  stillPoseDeg: number;
  /** Median passive "real" probability of the challenge sequence's frames (those that carry one). */
  livenessMin: number;
  /** Median moiré peak of the sequence's frames at most this (face.liveness.screenPeakMax). */
  screenPeakMax: number;
}

/** The defaults of face.challenge's rule, read from the config schema (one source of truth). */
const {
  kinds: _kinds,
  sameSessionThreshold: _same,
  ...challengeDefaults
} = compileValidator(FaceChallengeConfig, {
  defaults: true,
}).parse({}, 'face.challenge defaults');
const { screenPeakMax } = compileValidator(FaceLivenessConfig, { defaults: true }).parse({}, 'face.liveness defaults');
export const CHALLENGE_DEFAULTS: ChallengeRule = { ...challengeDefaults, screenPeakMax };

/** What the engine saw in one frame of the challenge. */
export interface ChallengeObservation {
  /** Monotonic milliseconds. */
  at: number;
  /** Exactly one face was in the frame (the visit also sets false when it is not the matched person). */
  face: boolean;
  eyes?: EyeState;
  pose?: HeadPose;
  /** The face box in pixels. */
  box?: Box;
  /** Eye centres, nose tip, mouth corners (image left first). */
  points?: FivePoints;
  /** Passive "real" probability of this frame, when the analysis ran the liveness model. */
  liveness?: number | null;
  /** The screen-replay cue of this frame (screen-cue.ts), on the full and the light path. */
  screen?: number | null;
}

export type ChallengeState = 'pending' | 'passed' | 'expired';

/** Picks a challenge kind with an injected random source (tests pass a fixed one). */
export function pickChallenge(kinds: readonly ChallengeKind[], random: () => number): ChallengeKind {
  if (kinds.length === 0) throw new RangeError('no challenge kinds configured');
  return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))] as ChallengeKind;
}

/**
 * The nose tip in the affine frame of the face: origin at the eye midpoint, first axis the eye
 * axis (image-left eye to image-right eye), second axis to the mouth midpoint. `u` is 0 on a
 * frontal face and moves toward the image's left (negative) when the person turns to their own
 * right. An affine image of a flat photo keeps (u, v) exactly.
 */
export function noseFrame(p: FivePoints): { u: number; v: number } {
  const [el, er, nose, ml, mr] = p;
  const mx = (el.x + er.x) / 2;
  const my = (el.y + er.y) / 2;
  const ax = er.x - el.x;
  const ay = er.y - el.y;
  const bx = (ml.x + mr.x) / 2 - mx;
  const by = (ml.y + mr.y) / 2 - my;
  const nx = nose.x - mx;
  const ny = nose.y - my;
  const det = ax * by - ay * bx;
  if (Math.abs(det) < 1e-9) return { u: Number.NaN, v: Number.NaN };
  return { u: (nx * by - ny * bx) / det, v: (ax * ny - ay * nx) / det };
}

type Seen = ChallengeObservation & { eyes: EyeState; pose: HeadPose; box: Box; points: FivePoints };

const complete = (o: ChallengeObservation): o is Seen => o.face && !!o.eyes && !!o.pose && !!o.box && !!o.points;

/**
 * Tracks one challenge over consecutive frames of the matched face.
 *
 * Blink: a frame with both eyes open, then one or more with both eyes closed, then both open
 * again, the closed part at most `blinkMaxMs` long, while the face stays still (box, scale, eye
 * geometry, pose): the eye model's spurious flips on a print moved, tilted or glared in hand
 * come with exactly those changes.
 * Turn: the nose moves against the eyes and mouth as on a 3-D head turning toward the asked
 * side (`turnNoseShift`, about 15 degrees), the head-pose yaw not saying the other side, and
 * comes back, out and back within `turnMaxMs`.
 * Both: the passive liveness median of the sequence's frames at least `livenessMin`, their
 * moiré median at most `screenPeakMax` (a screen replay of the asked action). A frame
 * without the matched face, with missing measures, or after a gap over `maxGapMs` restarts the
 * sequence; the challenge has failed once `windowMs` has passed since its first frame.
 */
export class Challenge {
  private readonly rule: ChallengeRule;
  private startedAt: number | null = null;
  private lastAt: number | null = null;
  private frames: Seen[] = [];
  private result: ChallengeState = 'pending';

  constructor(
    readonly kind: ChallengeKind,
    rule: Partial<ChallengeRule> = {},
  ) {
    this.rule = { ...CHALLENGE_DEFAULTS, ...rule };
  }

  get state(): ChallengeState {
    return this.result;
  }

  observe(o: ChallengeObservation): ChallengeState {
    if (this.result !== 'pending') return this.result;
    if (this.startedAt === null) this.startedAt = o.at;
    if (o.at - this.startedAt > this.rule.windowMs) return (this.result = 'expired');
    const gap = this.lastAt !== null && o.at - this.lastAt > this.rule.maxGapMs;
    this.lastAt = o.at;
    if (gap || !complete(o)) this.frames = [];
    if (!complete(o)) return this.result;
    this.frames.push(o);
    if (this.frames.length >= this.rule.minFrames && this.completed() && this.looksLive()) this.result = 'passed';
    return this.result;
  }

  private completed(): boolean {
    return this.kind === 'blink' ? this.blinked() : this.turned(this.kind === 'turn-right' ? 1 : -1);
  }

  private looksLive(): boolean {
    const scores = this.frames.flatMap((f) => (typeof f.liveness === 'number' ? [f.liveness] : []));
    // A light analysis path without the liveness model: the passive decision before the
    // challenge stands alone. The screen cue is on both paths: a replay that showed the asked
    // action still shows its moiré while doing it.
    return (
      (scores.length === 0 || median(scores) >= this.rule.livenessMin) &&
      screenLooksLive(
        this.frames.map((f) => f.screen),
        this.rule.screenPeakMax,
      )
    );
  }

  private blinked(): boolean {
    const r = this.rule;
    const isOpen = (f: Seen) => Math.min(f.eyes.left, f.eyes.right) >= r.eyeOpenAbove;
    const isClosed = (f: Seen) => Math.max(f.eyes.left, f.eyes.right) <= r.eyeClosedBelow;
    let lastOpen = -1;
    let firstClosed = -1;
    for (let i = 0; i < this.frames.length; i++) {
      const f = this.frames[i] as Seen;
      if (isOpen(f)) {
        if (firstClosed >= 0 && lastOpen >= 0 && f.at - (this.frames[firstClosed] as Seen).at <= r.blinkMaxMs) {
          if (this.still(lastOpen, i)) return true;
        }
        lastOpen = i;
        firstClosed = -1;
      } else if (isClosed(f) && firstClosed < 0) firstClosed = i;
    }
    return false;
  }

  /** Frames from..to show a face held still: the eye changes are not a print moving in hand. */
  private still(from: number, to: number): boolean {
    const r = this.rule;
    const a = this.frames[from] as Seen;
    const h0 = a.box.y2 - a.box.y1;
    const ratio0 = eyeRatio(a);
    for (let i = from + 1; i <= to; i++) {
      const f = this.frames[i] as Seen;
      const h = f.box.y2 - f.box.y1;
      const shift = Math.hypot(
        (f.box.x1 + f.box.x2 - a.box.x1 - a.box.x2) / 2,
        (f.box.y1 + f.box.y2 - a.box.y1 - a.box.y2) / 2,
      );
      if (shift > r.stillShift * h0) return false;
      if (Math.abs(Math.log(h / h0)) > r.stillScale) return false;
      // Closing lids move the eye landmarks a little (the eye centre is the mean of the lid
      // contour): the eye geometry gets twice the tolerance of the box.
      if (Math.abs(Math.log(eyeRatio(f) / ratio0)) > 2 * r.stillScale) return false;
      if (
        Math.abs(f.pose.yaw - a.pose.yaw) > r.stillPoseDeg ||
        Math.abs(f.pose.pitch - a.pose.pitch) > r.stillPoseDeg ||
        Math.abs(f.pose.roll - a.pose.roll) > r.stillPoseDeg
      )
        return false;
    }
    return true;
  }

  private turned(sign: 1 | -1): boolean {
    const r = this.rule;
    const f = this.frames;
    if (f.length < 3) return false;
    const yaw0 = median(f.slice(0, 2).map((x) => x.pose.yaw));
    const u0 = median(f.slice(0, 2).map((x) => noseFrame(x.points).u));
    // The nose moves toward the image's left (u falls) when the person turns to their own right.
    const nose = (x: Seen) => -sign * (noseFrame(x.points).u - u0);
    let departed = 1; // index of the last frame still near the start
    let peak = -1;
    for (let i = 2; i < f.length; i++) {
      const x = f[i] as Seen;
      if (peak < 0) {
        if (nose(x) < r.turnNoseShift / 3) departed = i;
        // The pose model may not say the other side (it follows real heads better than our
        // synthetic ones, docs/face.md, so it vetoes rather than measures).
        if (nose(x) >= r.turnNoseShift && sign * (x.pose.yaw - yaw0) >= -r.turnYaw) peak = i;
      } else if (Math.abs(nose(x)) <= r.turnNoseShift / 2) {
        if (x.at - (f[departed] as Seen).at <= r.turnMaxMs) return true;
        // Too slow: a later turn of this sequence may still count.
        peak = -1;
        departed = i;
      }
    }
    return false;
  }
}

function eyeRatio(f: Seen): number {
  const [el, er] = f.points;
  return Math.hypot(er.x - el.x, er.y - el.y) / Math.max(1, f.box.y2 - f.box.y1);
}
