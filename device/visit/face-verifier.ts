import { challengeObservation, type FaceEngine, type GalleryEntry } from '../face/engine.js';
import type { Template } from '../face/template.js';
import type { FaceVerifier, FrameCheck, GallerySource, LivenessChallenge } from './ports.js';

/**
 * FaceVerifier over the face engine. The gallery (one template per reference photo, or the
 * package's own templates when their model version is this engine's) lives in memory only and
 * is dropped by forget() at session close. Frames are analysed as 'live' (all quality gates,
 * liveness); only a usable frame gets a 1:N decision. Every frame with one face also reports its
 * best gallery identity and score (`continuity`), whatever its quality reasons: an active
 * challenge asks for closed eyes and turned heads, which the quality gates refuse.
 */
export class EngineFaceVerifier implements FaceVerifier {
  private gallery: GalleryEntry[] = [];

  constructor(
    private readonly engine: FaceEngine,
    private readonly warn: (message: string, detail: Record<string, unknown>) => void = () => undefined,
  ) {}

  get liveness(): { threshold: number; minFrames: number } {
    const l = this.engine.settings.liveness;
    return { threshold: l.threshold, minFrames: l.minFrames };
  }

  get continuity(): { sameFace: number; otherFace: number } {
    const s = this.engine.settings;
    return { sameFace: s.challenge.sameFaceThreshold, otherFace: s.match.threshold };
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

  newChallenge(): LivenessChallenge {
    return this.engine.newChallenge();
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
    if (!a.template || a.reasons.includes('several_faces')) return { ...base, match: null, continuity: null };
    const d = this.engine.match1toN(a.template, this.gallery);
    const continuity = d.best ? { ref: d.best.identity, score: d.best.score } : null;
    if (a.reasons.length > 0) return { ...base, match: null, continuity };
    return {
      ...base,
      continuity,
      match:
        d.kind === 'match'
          ? { kind: 'match', ref: d.identity, score: d.best.score }
          : { kind: 'unknown', reason: d.reason, score: d.best?.score ?? null },
    };
  }

  forget(): void {
    this.gallery = [];
  }
}
