import { passiveVerdict, type ChallengeObservation } from '../face/liveness.js';
import type { Camera } from '../core/ports.js';
import { toBoothError } from '../../protocol/errors.js';
import type { FaceVerifier, FrameCheck, LivenessChallenge } from './ports.js';

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
  frameIntervalMs: number;
  /** After a passive match, ask for a random action (blink, turn) that a photo cannot do. */
  activeLiveness: () => boolean;
  onFrame: (check: FrameCheck, jpeg: Buffer) => void;
  onDecision: (d: Decision) => void;
  onError: (code: string, message: string) => void;
}

export function decide(usable: readonly FrameCheck[], liveness: { threshold: number; minFrames: number }): Decision {
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

export class CaptureLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: CaptureLoopDeps) {}

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the frame in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    try {
      await this.frames();
    } finally {
      // Capture stopped (or the loop ended) with a challenge pending: drop its live templates.
      this.deps.face.endChallenge();
    }
  }

  private async frames(): Promise<void> {
    let usable: FrameCheck[] = [];
    // Active liveness: the passive decision waits here until the challenge passes or expires.
    let challenge: { pending: Extract<Decision, { kind: 'verified' }>; tracker: LivenessChallenge } | null = null;
    const finish = (d: Decision) => {
      this.running = false;
      // Any live templates kept for a challenge go before anyone hears of the decision.
      this.deps.face.endChallenge();
      this.deps.onDecision(d);
    };
    while (this.running) {
      try {
        const frame = await this.deps.camera.grab();
        if (!this.running) break;
        const check = await this.deps.face.check(frame.jpeg, frame.at);
        if (!this.running) break;
        if (challenge) {
          const prompt = check.faces > 1 ? check.prompt : `challenge-${challenge.tracker.kind}`;
          this.deps.onFrame({ ...check, prompt }, frame.jpeg);
          const seen = challengeFrame(check, challenge.pending.ref, this.deps.face.continuity);
          if (seen === 'inconsistent') {
            finish({ kind: 'rejected', reason: 'inconsistent' });
            break;
          }
          const state = challenge.tracker.observe(seen);
          if (state !== 'pending') {
            finish(state === 'passed' ? challenge.pending : { kind: 'rejected', reason: 'challenge' });
            break;
          }
        } else {
          this.deps.onFrame(check, frame.jpeg);
          if (check.faces > 1) usable = [];
          else if (check.match) usable.push(check);
          if (usable.length >= this.deps.framesToDecide) {
            const d = decide(usable, this.deps.face.liveness);
            const decidedBy = usable;
            usable = [];
            if (d.kind === 'verified' && this.deps.activeLiveness()) {
              challenge = { pending: d, tracker: this.deps.face.newChallenge(decidedBy) };
            } else {
              finish(d);
              break;
            }
          }
        }
      } catch (err) {
        const e = toBoothError(err);
        this.deps.onError(e.code, e.message);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.deps.frameIntervalMs);
      });
    }
  }
}
