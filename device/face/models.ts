import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { BoothError } from '../../protocol/errors.js';
import { flushDenormalWeights } from './onnx-weights.js';
import { readManifest } from '../../provisioning/models.mjs';

/**
 * ONNX Runtime sessions of the face models: created once, verified against the manifest's
 * sha256 before loading, warmed up, and configured for small multi-core CPUs.
 */

/** `fasV2`, `fasV1se`: the second passive liveness model (MiniFASNet at two crop scales, docs/face.md). */
export const MODEL_NAMES = ['detect', 'landmark', 'feature', 'liveness', 'eye', 'pose', 'fasV2', 'fasV1se'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelInfo {
  name: ModelName;
  file: string;
  sha256: string;
  inputName: string;
  inputShape: readonly number[];
  outputNames: readonly string[];
}

export interface SessionOptions {
  /** Intra-op threads per session. */
  threads: number;
  /**
   * ONNX Runtime spin-waits its worker threads by default; with several sessions on two cores
   * that more than doubled the per-frame time here (107 ms vs 42 ms), so it is off unless asked.
   */
  allowSpinning: boolean;
  /** Flush denormal floats to zero (x86 DAZ/FTZ): see sessionConfig. */
  denormalAsZero: boolean;
  /** Intra-op threads of particular models, overriding `threads`. */
  threadsFor?: Partial<Record<ModelName, number>>;
}

export interface LoadedModel {
  info: ModelInfo;
  session: ort.InferenceSession;
}

/** The sessions of some or all of the models (an inference lane loads only its own). */
export type ModelSet = Readonly<Partial<Record<ModelName, LoadedModel>>>;

/** Output order of each model as the engine reads it; checked against the graph at load. */
const EXPECTED_OUTPUTS: Record<ModelName, readonly string[]> = {
  detect: ['scores', 'boxes'],
  landmark: ['output'],
  feature: ['output'],
  liveness: ['output'],
  eye: ['output'],
  pose: ['output', '617', '618'],
  fasV2: ['logits'],
  fasV1se: ['logits'],
};

export function sessionConfig(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    // Without ORT's arena the RSS after one visit was lower, but malloc fragmentation grew it by
    // ~80 MB over 125 frames: the arena stays (docs/face.md).
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: {
      session: {
        intra_op: { allow_spinning: opts.allowSpinning ? '1' : '0' },
        // The feature model's weights hold denormal floats: without flushing them to zero its
        // inference took 70-210 ms instead of 11-20 ms here (docs/face.md).
        set_denormal_as_zero: opts.denormalAsZero ? '1' : '0',
      },
    },
  };
}

/**
 * Loads every model after checking its bytes; throws BOOTH_ERR_MODEL_INTEGRITY naming the bad
 * one. Sessions already created are released when a later model fails (nothing leaks).
 */
export async function loadModels(
  modelsDir: string,
  opts: SessionOptions,
  names: readonly ModelName[] = MODEL_NAMES,
): Promise<ModelSet> {
  const manifest = await readManifest(modelsDir).catch((err: unknown) => {
    throw new BoothError('BOOTH_ERR_MODEL_INTEGRITY', `models manifest in ${modelsDir} unreadable`, {}, { cause: err });
  });
  const loaded: LoadedModel[] = [];
  try {
    for (const name of names) {
      const threads = opts.threadsFor?.[name] ?? opts.threads;
      loaded.push(await loadOne(modelsDir, manifest, name, sessionConfig({ ...opts, threads })));
    }
  } catch (err) {
    await Promise.allSettled(loaded.map((m) => m.session.release()));
    throw err;
  }
  return Object.fromEntries(loaded.map((m) => [m.info.name, m])) as ModelSet;
}

type Manifest = Awaited<ReturnType<typeof readManifest>>;

async function loadOne(
  modelsDir: string,
  manifest: Manifest,
  name: ModelName,
  config: ort.InferenceSession.SessionOptions,
): Promise<LoadedModel> {
  const integrity = (message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
    new BoothError('BOOTH_ERR_MODEL_INTEGRITY', `model ${name}: ${message}`, { model: name, ...details }, { cause });
  const entry = manifest.models.find((m) => m.name === name);
  if (!entry) throw integrity('not listed in the models manifest');
  const file = join(modelsDir, entry.file);
  // Hash the very bytes that are loaded, so a template's model hash is the model that made it.
  const bytes = await readFile(file).catch((err: unknown) => {
    throw integrity(`${file} missing (run \`npm run models\`)`, {}, err);
  });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== entry.sha256)
    throw integrity(`sha256 ${actual} differs from the manifest`, { expected: entry.sha256, actual });
  // Denormal weights flushed to zero (what DAZ would do): see onnx-weights.ts.
  const session = await ort.InferenceSession.create(flushDenormalWeights(bytes).bytes, config);
  sessionCreatedHere = true;
  const want = EXPECTED_OUTPUTS[name];
  if (!want.every((o) => session.outputNames.includes(o))) {
    await session.release();
    throw integrity(`outputs ${session.outputNames.join(',')}, expected ${want.join(',')}`);
  }
  return {
    info: {
      name,
      file: entry.file,
      sha256: entry.sha256,
      inputName: session.inputNames[0] ?? 'input',
      inputShape: Object.values(entry.inputs)[0] ?? [],
      outputNames: want,
    },
    session,
  };
}

/** Set once this thread has created a session: from then on the process's mode is decided. */
let sessionCreatedHere = false;

/**
 * Makes the calling thread create the process's first ONNX Runtime session. ORT applies
 * `set_denormal_as_zero` to the thread that creates the first session of the process only
 * (once per process), and threads started afterwards inherit that thread's floating-point
 * mode. Measured: when an inference worker created the first session, the feature model ran
 * in 24.6 ms on the main thread instead of 13.4 ms (its activations go denormal). Called
 * before an inference worker is started; when this thread has made no session yet, a small
 * verified model (eye) is loaded and released.
 */
export async function claimDenormalMode(modelsDir: string, opts: SessionOptions): Promise<void> {
  if (sessionCreatedHere || !opts.denormalAsZero) return;
  await releaseModels(await loadModels(modelsDir, opts, ['eye']));
}

/** Runs a model on one input tensor and returns its outputs' data in the expected order. */
export async function runModel(model: LoadedModel, input: Float32Array): Promise<Float32Array[]> {
  return (await runTimed(model, input)).outputs;
}

/** `runModel` with the milliseconds spent in `session.run` (the raw inference that bench/face.ts calls the floor). */
export async function runTimed(
  model: LoadedModel,
  input: Float32Array,
): Promise<{ outputs: Float32Array[]; ms: number }> {
  const tensor = new ort.Tensor('float32', input, model.info.inputShape as number[]);
  const t0 = performance.now();
  const out = await model.session.run({ [model.info.inputName]: tensor });
  const ms = performance.now() - t0;
  const outputs = model.info.outputNames.map((n) => {
    const t = out[n];
    if (!t) throw new BoothError('BOOTH_ERR_INTERNAL', `model ${model.info.name}: no output ${n}`);
    return t.data as Float32Array;
  });
  return { outputs, ms };
}

/** Runs each model a few times on neutral input so the first real frame does not pay for allocation. */
export async function warmUp(models: ModelSet, rounds = 2): Promise<void> {
  for (const m of Object.values(models)) {
    const size = m.info.inputShape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < rounds; i++) await runModel(m, new Float32Array(size));
  }
}

export async function releaseModels(models: ModelSet): Promise<void> {
  await Promise.allSettled(Object.values(models).map((m) => m.session.release()));
}
