import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { FaceRuntimeSettings, FaceSettings } from '../config/sections/face.js';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import { hostPaths } from '../paths.js';
import { fivePointsFrom68, interEyeDistance } from './align.js';
import { chooseFace } from './choose.js';
import { decodeImage } from './decode.js';
import { edgeGap } from './detect-post.js';
import {
  Challenge,
  fusedLiveness,
  passiveVerdict,
  pickChallenge,
  type ChallengeObservation,
  type ChallengeRule,
  type PassiveVerdict,
} from './liveness.js';
import { cosine, decide, type Candidate, type MatchDecision } from './match.js';
import { awaitedLater, LocalInference, PooledInference, type Inference, type InferenceOptions } from './inference.js';
import { LanedInference, SPLIT_LANES } from './inference-lanes.js';
import { ThreadInference } from './inference-thread.js';
import { qualityReasons, type QualityReason } from './quality.js';
import { lumaStats } from './raster.js';
import { detectFaces, embedFace, eyeState, fasScore, headPose, landmarks68, livenessScore } from './stages.js';
import { screenPeak } from './screen-cue.js';
import { makeTemplate, readTemplate, RECIPE, type ModelVersion, type Template } from './template.js';
import type { Box, Detection, EyeState, FivePoints, HeadPose, RgbImage } from './types.js';

/**
 * The face engine: image bytes in, faces, quality reasons, liveness, eye state, pose and a
 * template out; templates matched 1:1 and 1:N. Construction does no I/O; start() loads and
 * warms the sessions once. Frames live in memory only, and only templates leave the engine.
 * Used by: the visit workflow (verification), `booth face` (CLI), bench/face.ts.
 */

export interface FaceEngineDeps {
  settings: FaceSettings;
  /** Folder of the models and manifest; default settings.runtime.modelsDir, then models/. */
  modelsDir?: string;
  bus?: EventBus;
}

/** 'live': a booth camera frame (all gates, liveness, eyes, pose). 'reference': an enrolment photo. */
export type Purpose = 'live' | 'reference';

export interface FaceMeasures {
  box: Box;
  score: number;
  points: FivePoints;
  eyeDistance: number;
  sharpness: number;
  brightness: number;
  /**
   * Passive liveness of this frame: the two models' "real" probabilities fused (fusedLiveness);
   * null for references.
   */
  liveness: number | null;
  /** The screen-replay cue of this frame (screen-cue.ts); null for references or a small face. */
  screen: number | null;
  eyes: EyeState | null;
  pose: HeadPose | null;
}

export type Stage = 'decode' | 'detect' | 'landmarks' | 'analyse' | 'total';

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: Detection[];
  /** Index of the chosen face in `faces`, -1 when none. */
  chosen: number;
  face: FaceMeasures | null;
  /** Quality reason codes, empty when the face is usable. */
  reasons: QualityReason[];
  template: Template | null;
  /** Milliseconds per stage ('analyse' = embedding, liveness, eyes and pose together). */
  timings: Record<Stage, number>;
}

/** What the light path sees of a frame (analyseLight). */
export interface LightAnalysis {
  width: number;
  height: number;
  faces: Detection[];
  /** Several comparable faces: the frame counts for nobody. */
  severalFaces: boolean;
  /** `points`: the five points the challenge's turn and stillness rules measure (liveness.ts). */
  face: { box: Box; points: FivePoints; eyes: EyeState; pose: HeadPose; screen: number | null } | null;
  ms: number;
}

export interface GalleryEntry {
  identity: string;
  template: Template;
}

/** Where the models run (face.runtime.inference); each is one module behind `Inference`. */
const OPEN_INFERENCE: Record<
  FaceRuntimeSettings['inference'],
  (opts: InferenceOptions, onDeath: (why: string) => void) => Promise<Inference>
> = {
  main: (opts) => LocalInference.open(opts),
  worker: (opts, onDeath) => ThreadInference.open(opts, onDeath),
  // Two models at a time, each with half of the cores (one each on two cores), except the
  // detector, which runs before the others and alone.
  split: (opts, onDeath) =>
    LanedInference.open(
      { ...opts, threads: Math.max(1, Math.floor(availableParallelism() / 2)), threadsFor: { detect: opts.threads } },
      SPLIT_LANES,
      onDeath,
    ),
};

/** Wait before loading the models again after an inference thread died. */
export const RESTART_DELAY_MS = 2000;

export class FaceEngine {
  private inferenceImpl: Inference | null = null;
  private modelVersion: ModelVersion | null = null;
  private starting: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: FaceEngineDeps) {}

  get settings(): FaceSettings {
    return this.deps.settings;
  }

  get ready(): boolean {
    return this.inferenceImpl?.alive ?? false;
  }

  /** Model id, hash and recipe that this engine's templates carry. */
  get version(): ModelVersion {
    if (!this.modelVersion) throw notStarted();
    return this.modelVersion;
  }

  /** Where the models run (bench/face.ts measures their raw inference through it). */
  get inference(): Inference {
    if (!this.inferenceImpl) throw notStarted();
    return this.inferenceImpl;
  }

  /** Loads, verifies and warms the models once (later calls wait for or reuse that). */
  start(): Promise<void> {
    this.stopped = false;
    if (this.inferenceImpl) return Promise.resolve();
    this.starting ??= this.open().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    const { runtime } = this.deps.settings;
    const opened = await OPEN_INFERENCE[runtime.inference](
      {
        modelsDir: this.deps.modelsDir ?? (runtime.modelsDir || hostPaths().modelsDir),
        threads: runtime.threads,
        allowSpinning: runtime.allowSpinning,
        denormalAsZero: runtime.denormalAsZero,
      },
      (why) => this.lost(why),
    );
    const inference = new PooledInference(opened);
    const feature = inference.models.feature;
    if (!feature || this.stopped) {
      await inference.close();
      if (this.stopped) return;
      throw new BoothError('BOOTH_ERR_INTERNAL', 'face engine: expected the feature model among the loaded models');
    }
    this.inferenceImpl = inference;
    this.modelVersion = {
      id: `faceplugin/${feature.file}`,
      sha256: feature.sha256,
      recipe: RECIPE,
    };
    this.deps.bus?.emit('face.state', {
      state: 'ready',
      detail: `${Object.keys(inference.models).length} models, inference ${runtime.inference}, ${runtime.threads} threads`,
    });
    // A thread that died between its lane opening and now was not reported (nothing to replace yet).
    if (!inference.alive) this.lost('an inference thread died while the engine started');
  }

  /**
   * An inference thread died (it should not; a worker over its heap limit would): frames are
   * refused with BOOTH_ERR_NOT_READY, `face.state` says failed, and the models are loaded
   * again after RESTART_DELAY_MS, so the booth recovers without a service restart.
   */
  private lost(why: string): void {
    const dead = this.inferenceImpl;
    if (!dead || dead.alive) return; // an inference already replaced
    this.inferenceImpl = null;
    this.deps.bus?.emit('face.state', { state: 'failed', detail: `${why}; loading the models again` });
    void dead.close().catch(() => undefined); // releases the lanes that still live
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.start().catch((err: unknown) =>
        this.deps.bus?.emit('face.state', { state: 'failed', detail: `restart failed: ${toBoothError(err).message}` }),
      );
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.starting?.catch(() => undefined);
    const inference = this.inferenceImpl;
    this.inferenceImpl = null;
    if (inference) {
      await inference.close();
      this.deps.bus?.emit('face.state', { state: 'stopped', detail: 'sessions released' });
    }
  }

  /** Decodes and analyses one image. Throws BOOTH_ERR_FACE_BAD_IMAGE for bytes that are not a usable image. */
  async analyse(bytes: Uint8Array, purpose: Purpose = 'live', source = 'image'): Promise<FaceAnalysis> {
    const t0 = performance.now();
    const img = await decodeImage(bytes, this.deps.settings.decode, source);
    const result = await this.analyseImage(img, purpose, performance.now() - t0);
    result.timings.total = performance.now() - t0;
    this.deps.bus?.emit('face.checked', {
      purpose,
      faces: result.faces.length,
      reasons: result.reasons,
      liveness: result.face?.liveness ?? null,
      ms: Math.round(result.timings.total),
    });
    return result;
  }

  /** Analyses an already decoded image (the enrolment retry pads the decoded photo). */
  async analyseImage(img: RgbImage, purpose: Purpose, decodeMs = 0): Promise<FaceAnalysis> {
    const inf = this.inference;
    if (!inf.alive) throw notStarted();
    const s = this.deps.settings;
    const timings: Record<Stage, number> = { decode: decodeMs, detect: 0, landmarks: 0, analyse: 0, total: 0 };
    let t = performance.now();
    const lap = (stage: Stage) => {
      const now = performance.now();
      timings[stage] = now - t;
      t = now;
    };
    const faces = await detectFaces(inf, img, s.detect);
    lap('detect');
    const live = purpose === 'live';
    const choice = chooseFace(faces, img.width, img.height, {
      several: live ? s.detect.several : 'largest',
      severalRatio: s.detect.severalRatio,
    });
    const chosen = faces[choice.index];
    const base = { width: img.width, height: img.height, faces, chosen: choice.index, timings };
    if (!chosen) return { ...base, face: null, reasons: ['no_face'], template: null };

    // Every request goes out as soon as its input is ready and is awaited at the end: the
    // inference runs one model at a time in this order while this thread prepares the next
    // input. Liveness and pose need only the box, so they are queued behind the landmarks;
    // the embedding and eyes follow once the landmarks are back.
    // Each is marked handled at once: if the worker dies while this thread still runs the
    // landmarks, the worker's rejections must not count as unhandled (Node ends the process).
    const landmarksRun = awaitedLater(landmarks68(inf, img, chosen.box));
    const livenessRun = live ? awaitedLater(livenessScore(inf, img, chosen.box, s.liveness.realIndex)) : null;
    const fasRun = live ? awaitedLater(fasScore(inf, img, chosen.box)) : null;
    const poseRun = live ? awaitedLater(headPose(inf, img, chosen.box)) : null;
    const points = await landmarksRun;
    const five = fivePointsFrom68(points);
    lap('landmarks');
    const q = s.quality;
    const [embedded, modelLiveness, fas, eyes, pose] = await Promise.all([
      embedFace(inf, img, five, !live && s.match.mirrorReferences),
      livenessRun,
      fasRun,
      live ? eyeState(inf, img, points, s.liveness.eyeOpenIndex, q.eyesClosedBelow) : null,
      poseRun,
    ]);
    lap('analyse');
    const liveness = modelLiveness === null || fas === null ? null : fusedLiveness(modelLiveness, fas);

    const face = lumaStats(img, chosen.box);
    const frame = lumaStats(img, { x1: 0, y1: 0, x2: img.width, y2: img.height });
    const eyeDistance = interEyeDistance(five);
    const reasons = qualityReasons(
      {
        faces: faces.length,
        severalRefused: choice.refused,
        eyeDistance: live ? eyeDistance : undefined,
        edgeGap: live ? edgeGap(chosen.box, img.width, img.height) : undefined,
        pose: pose ?? undefined,
        eyes: eyes ?? undefined,
        sharpness: live ? embedded.sharpness : undefined,
        face: live ? face : undefined,
        frameMean: live ? frame.mean : undefined,
      },
      q,
    );
    const template = makeTemplate(embedded.embedding, this.version, {
      eyeDistance,
      detectorScore: Math.min(1, chosen.score),
      padded: false,
    });
    return {
      ...base,
      face: {
        box: chosen.box,
        score: chosen.score,
        points: five,
        eyeDistance,
        sharpness: embedded.sharpness,
        brightness: face.mean,
        liveness,
        screen: live ? screenPeak(img, chosen.box) : null,
        eyes,
        pose,
      },
      reasons,
      template,
    };
  }

  /**
   * The light path for an active challenge: detection, landmarks, eye state and head pose only
   * (what a blink or a turn needs); no embedding, no passive liveness, no quality gates. About
   * half the work of analyse(), so a challenge sees more frames a second. Whose face it is
   * comes from the full analyses around it (device/visit/capture-loop.ts).
   */
  async analyseLight(bytes: Uint8Array, source = 'image'): Promise<LightAnalysis> {
    const t0 = performance.now();
    const img = await decodeImage(bytes, this.deps.settings.decode, source);
    const inf = this.inference;
    if (!inf.alive) throw notStarted();
    const s = this.deps.settings;
    const faces = await detectFaces(inf, img, s.detect);
    const choice = chooseFace(faces, img.width, img.height, {
      several: s.detect.several,
      severalRatio: s.detect.severalRatio,
    });
    const chosen = faces[choice.index];
    const base = { width: img.width, height: img.height, faces, severalFaces: choice.refused };
    if (!chosen) return { ...base, face: null, ms: performance.now() - t0 };
    const poseRun = awaitedLater(headPose(inf, img, chosen.box));
    const points = await landmarks68(inf, img, chosen.box);
    const [eyes, pose] = await Promise.all([
      eyeState(inf, img, points, s.liveness.eyeOpenIndex, s.quality.eyesClosedBelow),
      poseRun,
    ]);
    return {
      ...base,
      face: { box: chosen.box, points: fivePointsFrom68(points), eyes, pose, screen: screenPeak(img, chosen.box) },
      ms: performance.now() - t0,
    };
  }

  /**
   * A template from a reference photo (roster photo, ID-card photo). Small or tightly cropped
   * photos are padded with a grey border and tried again, because the detector misses faces
   * that fill or touch the frame. BOOTH_ERR_FACE_NOT_FOUND when no face is found either way.
   */
  async enrol(photo: Uint8Array, source = 'reference photo'): Promise<Template> {
    const img = await decodeImage(photo, this.deps.settings.decode, source);
    const first = await this.analyseImage(img, 'reference');
    if (first.template) return first.template;
    const padded = await this.analyseImage(padImage(img, 0.4), 'reference');
    if (padded.template) return { ...padded.template, source: { ...padded.template.source, padded: true } };
    throw new BoothError('BOOTH_ERR_FACE_NOT_FOUND', `${source}: expected a photo with one clear face, found none`, {
      width: img.width,
      height: img.height,
    });
  }

  /** A new active challenge of a configured kind, picked with `random` (inject it in tests). */
  newChallenge(random: () => number = Math.random): Challenge {
    const c = this.deps.settings.challenge;
    return new Challenge(pickChallenge(c.kinds, random), challengeRule(this.deps.settings));
  }

  /** Passive liveness over the "real" probabilities of the last frames (median vs threshold). */
  passiveLiveness(scores: readonly number[]): PassiveVerdict {
    return passiveVerdict(scores, this.deps.settings.liveness);
  }

  /** Validates a stored template against this engine's model version and returns its embedding. */
  embedding(template: unknown, what = 'template'): Float32Array {
    return readTemplate(template, this.version, what);
  }

  /** Cosine similarity of two templates of this engine's version. */
  similarity(a: unknown, b: unknown): number {
    return cosine(this.embedding(a, 'probe template'), this.embedding(b, 'reference template'));
  }

  /** 1:1: does the probe match the claimed identity's reference? */
  match1to1(probe: Template, reference: Template): { score: number; match: boolean } {
    const score = this.similarity(probe, reference);
    return { score, match: score > this.deps.settings.match.threshold };
  }

  /**
   * 1:N over a roster. A gallery template of another model version throws
   * BOOTH_ERR_FACE_TEMPLATE_VERSION naming the identity (re-enrol it from its photo).
   */
  match1toN(probe: Template, gallery: readonly GalleryEntry[]): MatchDecision {
    const p = this.embedding(probe, 'probe template');
    const scores: Candidate[] = gallery.map((g) => ({
      identity: g.identity,
      score: cosine(p, this.embedding(g.template, `template of ${g.identity}`)),
    }));
    return decide(scores, this.deps.settings.match);
  }
}

/** What a challenge needs from one analysed live frame taken at monotonic time `at`. */
export function challengeObservation(a: FaceAnalysis, at: number): ChallengeObservation {
  const one = a.face !== null && !a.reasons.includes('several_faces');
  return {
    at,
    face: one,
    ...(a.face?.eyes ? { eyes: a.face.eyes } : {}),
    ...(a.face?.pose ? { pose: a.face.pose } : {}),
    ...(a.face ? { box: a.face.box, points: a.face.points, liveness: a.face.liveness, screen: a.face.screen } : {}),
  };
}

/** The challenge rule of the face settings. */
export function challengeRule(s: FaceSettings): ChallengeRule {
  const { kinds: _kinds, sameSessionThreshold: _same, ...rule } = s.challenge;
  return { ...rule, screenPeakMax: s.liveness.screenPeakMax };
}

function notStarted(): BoothError {
  return new BoothError('BOOTH_ERR_NOT_READY', 'face engine: expected start() to have loaded the models first');
}

/** A copy of the image with a mid-grey border of `share` of its size on every side. */
export function padImage(img: RgbImage, share: number): RgbImage {
  const px = Math.round(img.width * share);
  const py = Math.round(img.height * share);
  const width = img.width + 2 * px;
  const height = img.height + 2 * py;
  const data = new Uint8Array(width * height * 3).fill(127);
  for (let y = 0; y < img.height; y++)
    data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + py) * width + px) * 3);
  return { data, width, height };
}
