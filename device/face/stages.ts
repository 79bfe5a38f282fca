import { ALIGNED_SIZE, ARCFACE_REFERENCE, eyeCentres, fitSimilarity, LANDMARK } from './align.js';
import {
  DETECTOR_HEIGHT,
  DETECTOR_WIDTH,
  decodeDetections,
  expandedBox,
  letterbox,
  letterboxAffine,
  squareBox,
  type DecodeOptions,
} from './detect-post.js';
import { classProbability, decodePose } from './heads.js';
import { l2normalise } from './match.js';
import { awaitedLater, type Inference } from './inference.js';
import {
  boxToAffine,
  invertAffine,
  laplacianVariance,
  warpToTensor,
  type Affine,
  type ChannelOrder,
  type TensorSpec,
} from './raster.js';
import type { Box, Detection, EyeState, FivePoints, HeadPose, Point, RgbImage } from './types.js';

/**
 * One function per model: pre-processing (an affine warp into the model's tensor layout and
 * normalisation, from DEPENDENCY-NOTES "Face models" and the source package), inference and
 * decoding. Each is timed by the caller.
 */

const DETECT_SPEC: TensorSpec = {
  width: DETECTOR_WIDTH,
  height: DETECTOR_HEIGHT,
  channels: 'rgb',
  mean: [127],
  scale: [1 / 128],
  border: 127, // letterbox bars read as 0 after normalisation
};
const LANDMARK_SPEC: TensorSpec = { width: 64, height: 64, channels: 'gray', mean: [0], scale: [1 / 256], border: 0 };
const FEATURE_SPEC: TensorSpec = {
  width: ALIGNED_SIZE,
  height: ALIGNED_SIZE,
  channels: 'rgb',
  mean: [127],
  scale: [1 / 128],
  border: 0,
};
/** Liveness takes raw 0-255 values; channel order chosen from data (docs/face.md). */
const LIVENESS_SPEC: TensorSpec = { width: 128, height: 128, channels: 'bgr', mean: [0], scale: [1], border: 0 };
const EYE_SPEC: TensorSpec = { width: 24, height: 24, channels: 'gray', mean: [0], scale: [1 / 255], border: 0 };
/** ImageNet normalisation (Hopenet). */
const POSE_SPEC: TensorSpec = {
  width: 224,
  height: 224,
  channels: 'rgb',
  mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
  scale: [1 / (0.229 * 255), 1 / (0.224 * 255), 1 / (0.225 * 255)],
  border: 0,
};

/** Scale factor of the liveness crop around the face box (the model was trained at 2.7). */
export const LIVENESS_CROP = 2.7;
/**
 * The second passive model (MiniFASNet, models/SOURCE.md): each network was trained on its own
 * crop of the detector's box (not squared), 2.7x and 4.0x, resized to 80x80, BGR, raw 0-255.
 */
const FAS_SPEC: TensorSpec = { width: 80, height: 80, channels: 'bgr', mean: [0], scale: [1], border: 0 };
export const FAS_CROPS = { fasV2: 2.7, fasV1se: 4.0 } as const;
/** Output class of the MiniFASNet models meaning "real" (upstream's label 1). */
const FAS_REAL = 1;
/** Eye crop side as a multiple of the eye's corner-to-corner width. */
export const EYE_CROP = 1.6;

async function outputs(inf: Inference, name: Parameters<Inference['run']>[0], input: Float32Array) {
  return (await inf.run(name, input)).outputs;
}

/** A buffer for a model input from the inference's pool (see Inference.tensor). */
function take(inf: Inference, spec: TensorSpec): Float32Array {
  const length = (spec.channels === 'gray' ? 1 : 3) * spec.width * spec.height;
  return inf.tensor?.(length) ?? new Float32Array(length);
}

export function detectInput(img: RgbImage, out?: Float32Array): Float32Array {
  return warpToTensor(img, letterboxAffine(letterbox(img.width, img.height)), DETECT_SPEC, out);
}

export async function detectFaces(inf: Inference, img: RgbImage, opts: DecodeOptions): Promise<Detection[]> {
  const lb = letterbox(img.width, img.height);
  const input = detectInput(img, take(inf, DETECT_SPEC));
  const [scores, boxes] = await outputs(inf, 'detect', input);
  return decodeDetections(scores as Float32Array, boxes as Float32Array, lb, opts);
}

/** 68 landmarks in image pixels, predicted on the squared face box. */
export function landmarkInput(img: RgbImage, box: Box, out?: Float32Array): Float32Array {
  return warpToTensor(img, boxToAffine(squareBox(box), 64, 64), LANDMARK_SPEC, out);
}

export async function landmarks68(inf: Inference, img: RgbImage, box: Box): Promise<Point[]> {
  const sq = squareBox(box);
  const input = landmarkInput(img, box, take(inf, LANDMARK_SPEC));
  const [out] = await outputs(inf, 'landmark', input);
  const w = sq.x2 - sq.x1;
  const h = sq.y2 - sq.y1;
  const points: Point[] = [];
  for (let i = 0; i < 68; i++)
    points.push({ x: sq.x1 + (out?.[2 * i] ?? 0) * w, y: sq.y1 + (out?.[2 * i + 1] ?? 0) * h });
  return points;
}

export interface Embedded {
  embedding: Float32Array;
  /** Laplacian variance of the aligned face's luma (0-255 scale): the blur measure. */
  sharpness: number;
}

/** Destination (aligned 112x112) -> source (image) map of the ArcFace alignment. */
export function alignmentMap(five: FivePoints): Affine {
  return invertAffine(fitSimilarity(five, ARCFACE_REFERENCE));
}

export function featureInput(img: RgbImage, five: FivePoints, out?: Float32Array): Float32Array {
  return warpToTensor(img, alignmentMap(five), FEATURE_SPEC, out);
}

/** Aligns the face onto the ArcFace reference and returns its L2-normalised embedding. */
export async function embedFace(inf: Inference, img: RgbImage, five: FivePoints, mirrored = false): Promise<Embedded> {
  const map = alignmentMap(five);
  const input = warpToTensor(img, map, FEATURE_SPEC, take(inf, FEATURE_SPEC));
  const gray = new Float32Array(ALIGNED_SIZE * ALIGNED_SIZE);
  const plane = ALIGNED_SIZE * ALIGNED_SIZE;
  for (let i = 0; i < plane; i++)
    gray[i] =
      (0.299 * (input[i] as number) + 0.587 * (input[plane + i] as number) + 0.114 * (input[2 * plane + i] as number)) *
        128 +
      127;
  // `input` may now belong to the inference thread; `first` is awaited below, after more work.
  const first = awaitedLater(outputs(inf, 'feature', input));
  // Sum with the embedding of the mirrored aligned face: widened the same/different margin
  // on master.csv (docs/face.md), at the price of a second feature run (used for references).
  const last = ALIGNED_SIZE - 1;
  const flip = { a: -map.a, b: map.b, c: map.a * last + map.c, d: -map.d, e: map.e, f: map.d * last + map.f };
  const second = mirrored
    ? outputs(inf, 'feature', warpToTensor(img, flip, FEATURE_SPEC, take(inf, FEATURE_SPEC)))
    : null;
  const sharpness = laplacianVariance(gray, ALIGNED_SIZE, ALIGNED_SIZE);
  // Awaited together: a failing run never leaves the other one's rejection unhandled.
  const [out, mirror] = await Promise.all([first, second]);
  const embedding = l2normalise(out[0] ?? []);
  if (mirror) {
    const other = l2normalise(mirror[0] ?? []);
    for (let i = 0; i < embedding.length; i++) embedding[i] = (embedding[i] as number) + (other[i] as number);
  }
  return { embedding: l2normalise(embedding), sharpness };
}

/** Probability of the "real" class of the passive liveness model on one frame. */
export function livenessInput(
  img: RgbImage,
  box: Box,
  order: ChannelOrder = LIVENESS_SPEC.channels,
  out?: Float32Array,
): Float32Array {
  const crop = expandedBox(squareBox(box), LIVENESS_CROP, img.width, img.height);
  return warpToTensor(img, boxToAffine(crop, 128, 128), { ...LIVENESS_SPEC, channels: order }, out);
}

export function fasInput(img: RgbImage, box: Box, model: keyof typeof FAS_CROPS, out?: Float32Array): Float32Array {
  const crop = expandedBox(box, FAS_CROPS[model], img.width, img.height);
  return warpToTensor(img, boxToAffine(crop, FAS_SPEC.width, FAS_SPEC.height), FAS_SPEC, out);
}

/**
 * Probability of "real" by the second passive model: the mean of the two networks' softmax
 * outputs, as upstream fuses them.
 */
export async function fasScore(inf: Inference, img: RgbImage, box: Box): Promise<number> {
  const runs = (Object.keys(FAS_CROPS) as (keyof typeof FAS_CROPS)[]).map(async (model) => {
    const [out] = await outputs(inf, model, fasInput(img, box, model, take(inf, FAS_SPEC)));
    return classProbability(out ?? [], FAS_REAL);
  });
  const [a, b] = await Promise.all(runs);
  return ((a as number) + (b as number)) / 2;
}

export async function livenessScore(inf: Inference, img: RgbImage, box: Box, realIndex: number): Promise<number> {
  const [out] = await outputs(
    inf,
    'liveness',
    livenessInput(img, box, LIVENESS_SPEC.channels, take(inf, LIVENESS_SPEC)),
  );
  return classProbability(out ?? [], realIndex);
}

function eyeBox(points: readonly Point[], centre: Point, corners: readonly [number, number]): Box {
  const a = points[corners[0]] as Point;
  const b = points[corners[1]] as Point;
  const half = (Math.hypot(b.x - a.x, b.y - a.y) * EYE_CROP) / 2;
  return { x1: centre.x - half, y1: centre.y - half, x2: centre.x + half, y2: centre.y + half };
}

/** The two 24x24 eye crops (image-left eye first). */
export function eyeInputs(img: RgbImage, points: readonly Point[]): [Float32Array, Float32Array] {
  const { left, right } = eyeCentres(points);
  const l = eyeBox(points, left, [LANDMARK.leftEye[0], LANDMARK.leftEye[3]]);
  const r = eyeBox(points, right, [LANDMARK.rightEye[0], LANDMARK.rightEye[3]]);
  return [warpToTensor(img, boxToAffine(l, 24, 24), EYE_SPEC), warpToTensor(img, boxToAffine(r, 24, 24), EYE_SPEC)];
}

/** Open probability of each eye (crops around the eye contours, gray 24x24). */
export async function eyeState(
  inf: Inference,
  img: RgbImage,
  points: readonly Point[],
  openIndex: number,
  closedBelow: number,
): Promise<EyeState> {
  // Both requests go out before either is awaited: the second crop is ready when the first run ends.
  const [left, right] = await Promise.all(eyeInputs(img, points).map((input) => outputs(inf, 'eye', input)));
  const l = classProbability(left?.[0] ?? [], openIndex);
  const r = classProbability(right?.[0] ?? [], openIndex);
  return { left: l, right: r, open: Math.max(l, r) >= closedBelow };
}

/** Head pose from the face box grown by a quarter on each side (Hopenet's crop). */
export function poseInput(img: RgbImage, box: Box, out?: Float32Array): Float32Array {
  const sq = squareBox(box);
  const w = sq.x2 - sq.x1;
  const h = sq.y2 - sq.y1;
  const grown = { x1: sq.x1 - w / 4, y1: sq.y1 - h / 4, x2: sq.x2 + w / 4, y2: sq.y2 + h / 4 };
  return warpToTensor(img, boxToAffine(grown, 224, 224), POSE_SPEC, out);
}

export async function headPose(inf: Inference, img: RgbImage, box: Box): Promise<HeadPose> {
  const [yaw, pitch, roll] = await outputs(inf, 'pose', poseInput(img, box, take(inf, POSE_SPEC)));
  return decodePose(yaw ?? [], pitch ?? [], roll ?? []);
}
