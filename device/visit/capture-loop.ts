import { passiveVerdict, screenLooksLive, type ChallengeObservation } from '../face/liveness.js';
import type { Camera } from '../core/ports.js';
import { toBoothError } from '../../protocol/errors.js';
import type { FaceBox, FaceVerifier, FrameCheck, LivenessChallenge, LivenessRule } from './ports.js';

/**
 * The camera side of a visit: grabs frames while capture is on, has each analysed, shows the
 * result (box, prompt) and decides once `framesToDecide` usable frames agree: the same roster
 * ref with live-looking liveness (verified), or no match (rejected). A second face clears the
 * evidence so far: the decision starts again with one person in the frame. With active liveness
 * the match waits for a challenge (blink, turn) tracked over the next frames, and every one of
 * those frames must show the face of the frames that matched (`challengeFrame`, compared with
 * their live templates, which the verifier keeps only until the challenge ends or capture
 * stops): the action has to be done by the person who matched, not by whoever steps in after a
 * photo of them passed the match. Frames stay in memory; the latest one is kept only for the
 * kiosk's live preview.
 */
export type Decision =
  { kind: 'verified'; ref: string; score: number; liveness: number | null } | { kind: 'rejected'; reason: string };

export interface CaptureLoopDeps {
  camera: Camera;
  face: FaceVerifier;
  framesToDecide: number;
  /**
   * Pause between frames for a camera that takes one picture per grab (fswebcam, the folder
   * simulator), and after a failed grab. A streaming camera is not paced by a timer: the newest
   * frame is analysed as soon as the previous analysis ends.
   */
  frameIntervalMs: number;
  /** Every camera frame while capture is on, at the camera's rate (the live preview). */
  onPreview?: (jpeg: Buffer, at: number) => void;
  /**
   * During a challenge, every this-many-th frame gets the full check (whose face it is); the
   * others take the light path (eyes, pose), counted only while the face box stays with the
   * one of the last counted frame. Default 4; 1 = every frame full.
   */
  challengeFullEvery?: number;
  /** After a passive match, ask for a random action (blink, turn) that a photo cannot do. */
  activeLiveness: () => boolean;
  onFrame: (check: FrameCheck, jpeg: Buffer) => void;
  onDecision: (d: Decision) => void;
  onError: (code: string, message: string) => void;
}

/** The passive rule of an attempt: with a challenge to follow, the challenge's threshold. */
export function passiveRule(l: LivenessRule, challengeFollows: boolean): LivenessRule {
  return challengeFollows && l.thresholdWithChallenge !== undefined ? { ...l, threshold: l.thresholdWithChallenge } : l;
}

export function decide(usable: readonly FrameCheck[], liveness: LivenessRule): Decision {
  const refs = new Set(usable.map((c) => (c.match?.kind === 'match' ? c.match.ref : null)));
  const first = usable[0]?.match;
  if (refs.size !== 1 || first?.kind !== 'match') {
    const unknown = usable.find((c) => c.match?.kind === 'unknown')?.match;
    return {
      kind: 'rejected',
      reason: refs.size > 1 ? 'inconsistent' : unknown?.kind === 'unknown' ? unknown.reason : 'no_match',
    };
  }
  const scores = usable.map((c) => c.liveness).filter((x): x is number => x !== null);
  const verdict = passiveVerdict(scores, { ...liveness, minFrames: Math.min(liveness.minFrames, usable.length) });
  if (scores.length > 0 && !verdict.live) return { kind: 'rejected', reason: 'not_live' };
  // A screen replay the passive model took for a face still shows the screen's moiré.
  if (
    !screenLooksLive(
      usable.map((c) => c.observation.screen),
      liveness.screenPeakMax ?? Number.POSITIVE_INFINITY,
    )
  )
    return { kind: 'rejected', reason: 'not_live' };
  const score = Math.min(...usable.map((c) => (c.match?.kind === 'match' ? c.match.score : 0)));
  return { kind: 'verified', ref: first.ref, score, liveness: scores.length > 0 ? verdict.score : null };
}

/**
 * What the challenge tracker may see of a frame taken while a challenge is pending for `ref`.
 * The frame counts only when its face is the face of the frames that gave the passive match
 * (`session`, cosine with their live templates, at least `sameSession`); anything else (no face,
 * several faces, a weaker score) is given as "no face", which breaks the consecutive sequence
 * the tracker needs. 'inconsistent': the frame shows another roster identity at or above the
 * match threshold (`otherFace`), and the attempt is rejected.
 */
export function challengeFrame(
  check: FrameCheck,
  ref: string,
  rule: { sameSession: number; otherFace: number },
): ChallengeObservation | 'inconsistent' {
  const c = check.continuity;
  if (check.match?.kind === 'match' && check.match.ref !== ref) return 'inconsistent';
  if (c && c.ref !== ref && c.score >= rule.otherFace) return 'inconsistent';
  if (check.session !== null && check.session >= rule.sameSession) return check.observation;
  return { at: check.observation.at, face: false };
}

/** Overlap (intersection over union) of two face boxes. */
export function boxOverlap(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  const area = (r: FaceBox) => Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * A light-path frame continues the custody of the last counted frame when it shows one face
 * whose box overlaps that frame's box this much: between two consecutive frames a person
 * blinking or turning moves far less, while a face swapped in elsewhere in the picture does not
 * overlap. A frame that breaks custody counts as "no face" until a full check confirms again.
 */
export const CUSTODY_OVERLAP = 0.3;

/** Quality reasons the asked action itself causes (closed eyes, a turned head). */
const ACTION_REASONS = new Set(['eyes_closed', 'pose']);

export class CaptureLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private offPreview: (() => void) | null = null;

  constructor(private readonly deps: CaptureLoopDeps) {}

  get active(): boolean {
    return this.running;
  }

  /** A streaming camera delivers frames on its own; the loop then takes the newest one. */
  private get streaming(): boolean {
    return typeof this.deps.camera.onFrame === 'function';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const preview = this.deps.onPreview;
    if (preview && this.deps.camera.onFrame)
      this.offPreview = this.deps.camera.onFrame((f) => {
        if (this.running) preview(f.jpeg, f.at);
      });
    this.loop = this.run();
  }

  /** Stops after the frame in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.offPreview?.();
    this.offPreview = null;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    try {
      await this.frames();
    } finally {
      this.offPreview?.();
      this.offPreview = null;
      // Capture stopped (or the loop ended) with a challenge pending: drop its live templates.
      this.deps.face.endChallenge();
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async frames(): Promise<void> {
    let usable: FrameCheck[] = [];
    // Active liveness: the challenge goes up at the first matched frame (`ref`), while the
    // remaining passive frames come in (the person's reaction time overlaps them); `pending` is
    // the passive decision once made. Verified needs both.
    let challenge: {
      ref: string;
      tracker: LivenessChallenge;
      pending: Extract<Decision, { kind: 'verified' }> | null;
      /** The tracker said 'passed' (it stays so); verified once `pending` is there too. */
      passed: boolean;
    } | null = null;
    const finish = (d: Decision) => {
      this.running = false;
      // Any live templates kept for a challenge go before anyone hears of the decision.
      this.deps.face.endChallenge();
      this.deps.onDecision(d);
    };
    // Challenge custody: the box of the last frame that counted for the challenge (null: none,
    // the next frame must be a full check that confirms the face), and frames since a full check.
    let custody: FaceBox | null = null;
    let sinceFull = 0;
    const fullEvery = Math.max(1, this.deps.challengeFullEvery ?? 4);
    /** Feeds the tracker; the decision when the attempt ends here, else null. */
    const observe = (check: FrameCheck, light: boolean): Decision | null => {
      if (!challenge) return null;
      let seen: ReturnType<typeof challengeFrame>;
      if (light) {
        const kept: boolean = check.observation.face && check.box !== null && custody !== null;
        seen =
          kept && boxOverlap(check.box!, custody!) >= CUSTODY_OVERLAP
            ? check.observation
            : { at: check.observation.at, face: false };
      } else seen = challengeFrame(check, challenge.ref, this.deps.face.continuity);
      if (seen === 'inconsistent') return { kind: 'rejected', reason: 'inconsistent' };
      custody = seen.face && check.box ? check.box : null;
      const state = challenge.tracker.observe(seen);
      if (state === 'expired') return { kind: 'rejected', reason: 'challenge' };
      if (state === 'passed') challenge.passed = true;
      return challenge.passed && challenge.pending ? challenge.pending : null;
    };
    while (this.running) {
      let failed = false;
      try {
        const frame = await this.deps.camera.grab();
        if (!this.running) break;
        if (!this.streaming) this.deps.onPreview?.(frame.jpeg, frame.at);
        if (challenge?.pending) {
          const light: boolean =
            this.deps.face.checkLight !== undefined && custody !== null && sinceFull + 1 < fullEvery;
          const check: FrameCheck = light
            ? await this.deps.face.checkLight!(frame.jpeg, frame.at)
            : await this.deps.face.check(frame.jpeg, frame.at);
          if (!this.running) break;
          sinceFull = light ? sinceFull + 1 : 0;
          const prompt = check.faces > 1 ? check.prompt : `challenge-${challenge.tracker.kind}`;
          this.deps.onFrame({ ...check, prompt }, frame.jpeg);
          const end = observe(check, light);
          if (end) {
            finish(end);
            break;
          }
        } else {
          const check = await this.deps.face.check(frame.jpeg, frame.at);
          if (!this.running) break;
          let startedHere = false;
          if (check.faces > 1) {
            // A second face clears the evidence so far, the challenge that went up with it too.
            usable = [];
            if (challenge) this.deps.face.endChallenge();
            challenge = null;
          } else if (!challenge && check.match?.kind === 'match' && this.deps.activeLiveness()) {
            // The prompt goes up now: this frame is a full check of the matched face and starts
            // the challenge in its custody (its window runs from this frame).
            challenge = {
              ref: check.match.ref,
              tracker: this.deps.face.newChallenge([check]),
              pending: null,
              passed: false,
            };
            custody = check.box;
            startedHere = true;
          }
          // Until the passive decision, a reason the action does not cause (too dark, too far,
          // blurred...) holds the decision up: the kiosk shows it rather than the challenge.
          const prompt =
            challenge && (check.prompt === null || ACTION_REASONS.has(check.prompt))
              ? `challenge-${challenge.tracker.kind}`
              : check.prompt;
          this.deps.onFrame({ ...check, prompt }, frame.jpeg);
          // While the person acts (a turn within the pose gate can score under the match
          // threshold), an 'unknown' frame of the same face is not evidence either way.
          const acting =
            challenge !== null &&
            check.match?.kind === 'unknown' &&
            check.session !== null &&
            check.session >= this.deps.face.continuity.sameSession;
          if (check.faces <= 1 && check.match && !acting) usable.push(check);
          // The frame the challenge started on is the matched face itself (its session score was
          // measured before its template was kept).
          if (startedHere) challenge!.tracker.observe(check.observation);
          else if (challenge) {
            const end = observe(check, false);
            if (end) {
              finish(end);
              break;
            }
          }
          if (usable.length >= this.deps.framesToDecide) {
            const active = this.deps.activeLiveness();
            const d = decide(usable, passiveRule(this.deps.face.liveness, active));
            const decidedBy = usable;
            usable = [];
            if (d.kind !== 'verified' || !active) {
              finish(d);
              break;
            }
            // A frame of another ref would have been 'inconsistent' for the challenge already;
            // a challenge is missing only when activeLiveness() turned on since the first match.
            if (!challenge || challenge.ref !== d.ref)
              challenge = { ref: d.ref, tracker: this.deps.face.newChallenge(decidedBy), pending: null, passed: false };
            else this.deps.face.keepForChallenge(decidedBy);
            challenge.pending = d;
            // The matched frames are full checks of this face: the challenge continues in their custody.
            custody = decidedBy.at(-1)?.box ?? null;
            sinceFull = 0;
            if (challenge.passed) {
              finish(d);
              break;
            }
          }
        }
      } catch (err) {
        failed = true;
        const e = toBoothError(err);
        this.deps.onError(e.code, e.message);
      }
      // A streaming camera's grab waits for the next frame itself; only a failure needs a pause.
      if (failed || !this.streaming) await this.pause(this.deps.frameIntervalMs);
    }
  }
}
