import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of the face feature (device/face/). Owned by that feature; every field has a default.
 * Where a default comes from a measurement or a standard, docs/face.md gives the source.
 */

const obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(description ? { description } : {}) });

export const FaceRuntimeConfig = obj({
  threads: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 2,
    description:
      'intra-op threads of a session that runs alone; with inference=split the two models that run side by side get half of the cores each',
  }),
  allowSpinning: Type.Boolean({
    default: false,
    description: 'ONNX Runtime spin-waiting; off because sessions sharing 2 cores more than doubled latency with it',
  }),
  denormalAsZero: Type.Boolean({
    default: true,
    description: 'flush denormal floats to zero in ONNX Runtime; the feature model is 5-10x slower without it',
  }),
  modelsDir: Type.String({ default: '', description: 'folder of the .onnx files and manifest.json; empty = models/' }),
  inference: Type.Union([Type.Literal('split'), Type.Literal('main'), Type.Literal('worker')], {
    default: 'split',
    description:
      'where the models run: split = detector, landmarks, embedding and eyes on the calling thread with liveness and pose beside them on a worker thread (fastest on 2 cores); main = all on the calling thread (least memory); worker = all on one worker thread (event loop never blocked). Measured in docs/face.md',
  }),
});

export const FaceDecodeConfig = obj({
  maxPixels: Type.Integer({ minimum: 10_000, maximum: 100_000_000, default: 32_000_000 }),
  maxBytes: Type.Integer({ minimum: 1024, maximum: 200_000_000, default: 25_000_000 }),
  maxSide: Type.Integer({
    minimum: 320,
    maximum: 8192,
    default: 1920,
    description: 'larger images are downscaled on decode (memory bound; faces stay far above the gate)',
  }),
});

export const FaceDetectConfig = obj({
  minScore: Type.Number({ minimum: 0.05, maximum: 0.99, default: 0.7 }),
  nmsIou: Type.Number({ minimum: 0.1, maximum: 0.9, default: 0.4 }),
  topK: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  several: Type.Union([Type.Literal('reject'), Type.Literal('largest')], {
    default: 'reject',
    description: 'live frames with several faces: reject (reason several_faces) or take the largest centred',
  }),
  severalRatio: Type.Number({
    minimum: 0.1,
    maximum: 1,
    default: 0.6,
    description: 'another face counts when its box height is at least this share of the chosen face',
  }),
});

export const FaceQualityConfig = obj({
  minEyeDistance: Type.Number({ minimum: 5, maximum: 500, default: 40, description: 'pixels between eye centres' }),
  maxYaw: Type.Number({ minimum: 1, maximum: 90, default: 25 }),
  maxPitch: Type.Number({ minimum: 1, maximum: 90, default: 25 }),
  maxRoll: Type.Number({ minimum: 1, maximum: 90, default: 20 }),
  minEdgeGap: Type.Number({
    minimum: 0,
    maximum: 0.5,
    default: 0.02,
    description: 'face box closer to the frame edge than this share of the short side: face_cut',
  }),
  minSharpness: Type.Number({ minimum: 0, default: 80, description: 'Laplacian variance of the aligned face' }),
  minBrightness: Type.Number({ minimum: 0, maximum: 255, default: 50, description: 'mean face luma' }),
  maxBrightness: Type.Number({ minimum: 0, maximum: 255, default: 215 }),
  maxClipped: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.25,
    description: 'share of clipped (black/white) face pixels',
  }),
  backlightRatio: Type.Number({
    minimum: 1,
    maximum: 10,
    default: 2.2,
    description: 'frame mean luma over face mean luma above which the face is backlit',
  }),
  eyesClosedBelow: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'eye open probability' }),
});

export const FaceMatchConfig = obj({
  threshold: Type.Number({
    minimum: -1,
    maximum: 1,
    default: 0.42,
    description: 'cosine similarity a match must exceed (from the evaluation in docs/face.md)',
  }),
  margin: Type.Number({
    minimum: 0,
    maximum: 2,
    default: 0.1,
    description: 'best identity must beat the second-best identity by this much',
  }),
  mirrorReferences: Type.Boolean({
    default: true,
    description: 'reference templates also embed the mirrored face (wider margin; one more feature run per photo)',
  }),
});

export const FaceLivenessConfig = obj({
  realIndex: Type.Integer({ minimum: 0, maximum: 2, default: 0, description: 'output class meaning "real"' }),
  threshold: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.5,
    description:
      'median passive liveness (the two models\' fused "real" score) over frames, with active liveness off (with it on, face.challenge.livenessMin applies)',
  }),
  minFrames: Type.Integer({ minimum: 1, maximum: 30, default: 3 }),
  screenPeakMax: Type.Number({
    minimum: 10,
    maximum: 1_000_000,
    default: 150,
    description:
      "moiré of a filmed screen: the median over frames of the face patch's highest 0.3-0.5 cycles/px spectral peak over the band median must stay at or under this (camera frames of faces 12-61, screen replays 214 and more; docs/face.md)",
  }),
  eyeOpenIndex: Type.Integer({ minimum: 0, maximum: 1, default: 1, description: 'eye model output meaning "open"' }),
});

export const FaceChallengeConfig = obj({
  kinds: Type.Array(Type.Union([Type.Literal('blink'), Type.Literal('turn-left'), Type.Literal('turn-right')]), {
    minItems: 1,
    default: ['blink', 'turn-left', 'turn-right'],
    description: 'the booth picks one at random per challenge',
  }),
  // The challenge rule's defaults (CHALLENGE_DEFAULTS in device/face/liveness.ts are read from
  // here); their sources in docs/face.md.
  windowMs: Type.Integer({
    minimum: 500,
    maximum: 30_000,
    default: 4000,
    description: 'the whole challenge from its first frame; then it has failed (a prompted blink or turn takes 1-2 s)',
  }),
  turnYaw: Type.Number({
    minimum: 5,
    maximum: 60,
    default: 15,
    description:
      'degrees: a turn whose head-pose yaw moves more than this to the other side does not count (the nose shift measures the turn)',
  }),
  turnMaxMs: Type.Integer({
    minimum: 500,
    maximum: 10_000,
    default: 2500,
    description: 'a turn goes out and back (the nose within turnNoseShift / 2 of its start) within this',
  }),
  turnNoseShift: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.1,
    description:
      "the turn, measured in 3-D: the nose tip's coordinate along the eye axis (affine frame of eyes and mouth) moves by at least this share toward the asked side (0.1 is about 15 degrees on a head); a flat photo turned or tilted keeps it",
  }),
  blinkMaxMs: Type.Integer({
    minimum: 100,
    maximum: 2000,
    default: 500,
    description:
      'from the first frame with both eyes closed to the first with both open again (a blink lasts 100-400 ms)',
  }),
  eyeClosedBelow: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.3,
    description: "closed: both eyes' open probability at most this",
  }),
  eyeOpenAbove: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.7,
    description: "open: both eyes' open probability at least this (hysteresis)",
  }),
  stillShift: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.08,
    description: 'during a blink the face box centre moves at most this share of the face height',
  }),
  stillScale: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.08,
    description:
      'during a blink the face height and the eye-distance / face-height ratio change at most this (log ratio)',
  }),
  stillPoseDeg: Type.Number({
    minimum: 0,
    maximum: 90,
    default: 15,
    description:
      "during a blink yaw, pitch and roll change at most this many degrees (the pose model's yaw jumps 9-12 deg on real shut eyes; docs/face.md)",
  }),
  livenessMin: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.5,
    description:
      'median passive liveness (the two models\' fused "real" score) of the frames of the challenge sequence, and of the passive decision before it (face.liveness.threshold applies with the challenge off); docs/face.md',
  }),
  minFrames: Type.Integer({
    minimum: 2,
    maximum: 100,
    default: 3,
    description: 'frames the consecutive sequence needs at least',
  }),
  maxGapMs: Type.Integer({
    minimum: 50,
    maximum: 10_000,
    default: 600,
    description:
      "frames further apart are not consecutive and the sequence restarts: above the full analysis path's frame period on a Pi 4 (290-430 ms), which the challenge's first frames come at",
  }),
  sameSessionThreshold: Type.Number({
    minimum: -1,
    maximum: 1,
    default: 0.56,
    description:
      'a challenge frame counts only when its face has at least this cosine score with one of the live frames that gave the passive match (same session, kept in memory until the challenge ends), whatever its quality reasons (closed eyes, turned head); from the measurement in docs/face.md',
  }),
});

export const FaceConfig = obj({
  runtime: FaceRuntimeConfig,
  decode: FaceDecodeConfig,
  detect: FaceDetectConfig,
  quality: FaceQualityConfig,
  match: FaceMatchConfig,
  liveness: FaceLivenessConfig,
  challenge: FaceChallengeConfig,
});

export type FaceSettings = Static<typeof FaceConfig>;
export type FaceRuntimeSettings = Static<typeof FaceRuntimeConfig>;
