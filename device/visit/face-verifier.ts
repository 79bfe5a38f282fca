import { challengeObservation, type FaceEngine, type GalleryEntry } from '../face/engine.js';
import { cosine } from '../face/match.js';
import type { Template } from '../face/template.js';
import type { FaceVerifier, FrameCheck, GallerySource, LivenessChallenge, LivenessRule } from './ports.js';

/**
 * FaceVerifier over the face engine. The gallery (one template per reference photo, or the
 * package's own templates when their model version is this engine's) lives in memory only and
 * is dropped by forget() at session close. Frames are analysed as 'live' (all quality gates,
 * liveness); only a usable frame gets a 1:N decision. Every frame with one face also reports its
 * best gallery identity and score (`continuity`), whatever its quality reasons: an active
 * challenge asks for closed eyes and turned heads, which the quality gates refuse.
 *
 * Live templates for the active challenge: the embedding of a frame with a 1:N match is attached
 * to its FrameCheck object in a WeakMap (it dies with the object, which the capture loop drops
 * after the decision). newChallenge(matched) copies those of the first matched frame into `kept`,
 * keepForChallenge(decidedBy) those of the frames that decided the match;
 * while they are kept, every frame reports its best cosine with them (`session`). endChallenge()
 * and forget() drop them. Nothing of them is logged, emitted or returned.
 */
export class EngineFaceVerifier implements FaceVerifier {
  private gallery: GalleryEntry[] = [];
  private readonly live = new WeakMap<FrameCheck, Float32Array>();
  private kept: Float32Array[] = [];

  constructor(
    private readonly engine: FaceEngine,
    private readonly warn: (message: string, detail: Record<string, unknown>) => void = () => undefined,
  ) {}

  get liveness(): LivenessRule {
    const l = this.engine.settings.liveness;
    return {
      threshold: l.threshold,
      minFrames: l.minFrames,
      screenPeakMax: l.screenPeakMax,
      thresholdWithChallenge: this.engine.settings.challenge.livenessMin,
    };
  }

  get continuity(): { sameSession: number; otherFace: number } {
    const s = this.engine.settings;
    return { sameSession: s.challenge.sameSessionThreshold, otherFace: s.match.threshold };
  }

  /** How many live templates are kept for a pending challenge (0 once it has ended). */
  get held(): number {
    return this.kept.length;
  }

  async enrol(entries: readonly GallerySource[]): Promise<string[]> {
    const gallery: GalleryEntry[] = [];
    for (const e of entries) {
      let usable = 0;
      for (const t of e.templates) {
        try {
          this.engine.embedding(t, 'roster template');
          gallery.push({ identity: e.ref, template: t as Template });
          usable++;
        } catch (err) {
          // Another model version: the photos below stand in (the package may carry both).
          this.warn('roster template not usable, enrolling from the photo', {
            ref: e.ref,
            error: (err as Error).message,
          });
        }
      }
      if (usable > 0) continue;
      for (const photo of e.photos) {
        try {
          gallery.push({
            identity: e.ref,
            template: await this.engine.enrol(Buffer.from(photo, 'base64'), 'roster photo'),
          });
        } catch (err) {
          this.warn('roster photo not enrolled', { ref: e.ref, error: (err as Error).message });
        }
      }
    }
    this.gallery = gallery;
    return [...new Set(gallery.map((g) => g.identity))];
  }

  newChallenge(matched: readonly FrameCheck[]): LivenessChallenge {
    this.keepForChallenge(matched);
    return this.engine.newChallenge();
  }

  keepForChallenge(frames: readonly FrameCheck[]): void {
    // Without a kept template no frame can count: the challenge then expires (fails closed).
    this.kept = frames.flatMap((c) => {
      const e = this.live.get(c);
      return e ? [e] : [];
    });
  }

  endChallenge(): void {
    this.kept = [];
  }

  async check(jpeg: Buffer, at: number): Promise<FrameCheck> {
    const a = await this.engine.analyse(jpeg, 'live', 'camera frame');
    const base = {
      observation: challengeObservation(a, at),
      width: a.width,
      height: a.height,
      faces: a.faces.length,
      box: a.face?.box ?? null,
      prompt: a.reasons[0] ?? null,
      liveness: a.face?.liveness ?? null,
    };
    // The template is made for any detected face, before the quality reasons decide anything.
    if (!a.template || a.reasons.includes('several_faces'))
      return { ...base, match: null, continuity: null, session: null };
    const d = this.engine.match1toN(a.template, this.gallery);
    const continuity = d.best ? { ref: d.best.identity, score: d.best.score } : null;
    const embedding = this.engine.embedding(a.template, 'probe template');
    const session = this.kept.length > 0 ? Math.max(...this.kept.map((k) => cosine(embedding, k))) : null;
    if (a.reasons.length > 0) return { ...base, match: null, continuity, session };
    const check: FrameCheck = {
      ...base,
      continuity,
      session,
      match:
        d.kind === 'match'
          ? { kind: 'match', ref: d.identity, score: d.best.score }
          : { kind: 'unknown', reason: d.reason, score: d.best?.score ?? null },
    };
    if (d.kind === 'match') this.live.set(check, embedding);
    return check;
  }

  async checkLight(jpeg: Buffer, at: number): Promise<FrameCheck> {
    const a = await this.engine.analyseLight(jpeg, 'camera frame');
    const one = a.face !== null && !a.severalFaces;
    return {
      width: a.width,
      height: a.height,
      faces: a.faces.length,
      box: a.face?.box ?? null,
      prompt: a.severalFaces ? 'several_faces' : a.face ? null : 'no_face',
      match: null,
      liveness: null,
      continuity: null,
      session: null,
      // No passive score on this path: the challenge takes its liveness median from the full
      // checks in between (liveness.ts).
      observation: {
        at,
        face: one,
        ...(one && a.face
          ? { eyes: a.face.eyes, pose: a.face.pose, box: a.face.box, points: a.face.points, screen: a.face.screen }
          : {}),
      },
    };
  }

  forget(): void {
    this.gallery = [];
    this.kept = [];
  }
}
