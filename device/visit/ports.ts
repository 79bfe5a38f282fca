import type { SessionDocument } from '../../protocol/session/schema.js';
import type { ChallengeObservation } from '../face/liveness.js';
import type { Static } from '@sinclair/typebox';

/**
 * The narrow interfaces the visit service drives. Each has one adapter over the real feature
 * (face-verifier.ts over the face engine, signature-pad.ts over signature capture, sealer.ts over
 * documents); the service and its tests depend on these shapes only.
 */

export interface FaceBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One analysed camera frame, reduced to what the visit needs. */
export interface FrameCheck {
  width: number;
  height: number;
  faces: number;
  box: FaceBox | null;
  /** The first quality reason (the one prompt the kiosk shows), or null when usable. */
  prompt: string | null;
  /** A 1:N decision for a usable frame, else null. */
  match:
    { kind: 'match'; ref: string; score: number } | { kind: 'unknown'; reason: string; score: number | null } | null;
  liveness: number | null;
  /** What an active challenge needs from this frame (one usable face, eyes, head pose). */
  observation: ChallengeObservation;
  /**
   * Whom this frame's face is closest to, whatever its quality reasons (eyes closed or the head
   * turned beyond the pose gate are what a challenge asks for): the best gallery identity and its
   * cosine score. Null without a face, with several faces, or with an empty gallery. During an
   * active challenge a frame naming another identity at or above the match threshold rejects
   * the attempt.
   */
  continuity: { ref: string; score: number } | null;
  /**
   * While a challenge is pending: the best cosine score of this frame's face (whatever its
   * quality reasons) against the live templates of the frames that gave the passive match
   * (`FaceVerifier.newChallenge`). Null without a face, with several faces, or with no
   * challenge pending. A challenge frame counts only with at least `continuity.sameSession`.
   */
  session: number | null;
}

/** One active liveness challenge (blink, turn left, turn right) tracked over frames. */
export interface LivenessChallenge {
  readonly kind: string;
  observe(o: ChallengeObservation): 'pending' | 'passed' | 'expired';
}

/**
 * How the passive decision judges liveness (face.liveness): the median "real" probability and
 * the median moiré peak over the deciding frames. `screenPeakMax` absent: no screen rule (a
 * verifier whose frames carry no screen cue).
 */
export interface LivenessRule {
  threshold: number;
  minFrames: number;
  screenPeakMax?: number;
  /**
   * The passive threshold when an active challenge follows (face.challenge.livenessMin): the
   * challenge and the screen cue then carry the attack defence, and the passive model's
   * rejections of real faces cost more than it adds (docs/face.md). Absent: `threshold`.
   */
  thresholdWithChallenge?: number;
}

export interface GallerySource {
  ref: string;
  photos: string[];
  templates: unknown[];
}

export interface FaceVerifier {
  /** Builds the in-memory gallery from the opened matching data; returns the refs enrolled. */
  enrol(entries: readonly GallerySource[]): Promise<string[]>;
  /** `at`: monotonic time the frame was taken. */
  check(jpeg: Buffer, at: number): Promise<FrameCheck>;
  /**
   * The light path during an active challenge: faces, box and `observation` (eyes, pose) only;
   * `match`, `continuity`, `session` and `liveness` are null (no embedding is made). Optional:
   * without it every challenge frame gets the full check().
   */
  checkLight?(jpeg: Buffer, at: number): Promise<FrameCheck>;
  /**
   * Starts an active challenge for the face of `matched` (usable frames with a 1:N match: the
   * first one, when the prompt goes up while the passive decision is still being made). The
   * verifier keeps those frames' live templates, in memory only, and reports each later frame's
   * similarity to them (`FrameCheck.session`) until endChallenge().
   */
  newChallenge(matched: readonly FrameCheck[]): LivenessChallenge;
  /** Keeps the live templates of `frames` instead (the frames that decided the match). */
  keepForChallenge(frames: readonly FrameCheck[]): void;
  /** Drops the live templates kept for the challenge (passed, expired, rejected, capture stopped). */
  endChallenge(): void;
  /** Liveness rule applied over the frames that agreed. */
  readonly liveness: LivenessRule;
  /**
   * Thresholds during an active challenge: a frame counts for the challenge when its
   * `FrameCheck.session` is at least `sameSession`; a frame whose `FrameCheck.continuity` names
   * another roster identity with at least `otherFace` (the match threshold) rejects the attempt.
   */
  readonly continuity: { sameSession: number; otherFace: number };
  /** Drops every template, the gallery and any kept for a challenge (session close). */
  forget(): void;
}

export interface InkPoint {
  /** 0..1 of the active area, origin top-left. */
  x: number;
  y: number;
  down: boolean;
}

export interface CapturedSignature {
  valid: boolean;
  reasons: string[];
  png: Buffer | null;
  /** ISO/IEC 19794-7 record of the dynamics. */
  dynamics: Buffer | null;
  samples: number;
  strokes: number;
}

export interface SignaturePad {
  begin(): void;
  clear(): void;
  finish(): Promise<CapturedSignature>;
  /** Drops a capture in progress (cancel, timeout). */
  abort(): void;
  onInk(fn: (points: InkPoint[]) => void): () => void;
}

export type SealAction = 'sign' | 'dissent' | 'refuse';

export interface SealRequest {
  recordId: string;
  project: { id: string; name: string; section: string };
  documents: Static<typeof SessionDocument>[];
  seat: number;
  /** Full name for the stamp on the report (the report carries names by law). */
  name: string;
  action: SealAction;
  reason: string;
  signaturePng: Buffer | null;
  dynamics: Buffer | null;
  now: number;
  /**
   * The staff override recorded for this project in this visit (a re-sign of a project already
   * signed): lets the seal stamp a seat the working copy already carries, as a new revision.
   */
  newRevision?: { staffId: string; at: number } | null;
  /**
   * The published original of one of these documents, as the package delivered it (inline
   * bytes, or the file fetched for the package). The sealer checks it against the document's
   * sha256 before using it.
   */
  original(documentId: string): Promise<Buffer>;
  /**
   * The latest sealed revision of this document in this package (the same published sha256),
   * from the committed sign records, or null when nobody has signed it yet. Never a file of
   * another package.
   */
  latest(documentId: string, sha256Published: string): Promise<Buffer | null>;
}

export interface SealedDocument {
  documentId: string;
  /** The sha256 the package published (of the original PDF). */
  sha256Published: string;
  /** The revision stamped on: the published PDF, or the latest revision of this package. */
  sha256Before: string;
  /** Its length: a recovered revision must start with exactly these bytes. */
  bytesBefore: number;
  sha256After: string;
  placesStamped: number;
  /** The sealed revision (not yet stored), or null for a refusal (nothing is stamped). */
  pdf: Buffer | null;
}

export interface DocumentSealer {
  /** Stamps and seals in memory; writes nothing (the caller journals the intent, then stores). */
  seal(req: SealRequest): Promise<SealedDocument[]>;
}
