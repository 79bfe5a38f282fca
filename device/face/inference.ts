import { BoothError } from '../../protocol/errors.js';
import {
  loadModels,
  releaseModels,
  runTimed,
  warmUp,
  type ModelInfo,
  type ModelName,
  type ModelSet,
  type SessionOptions,
} from './models.js';

/**
 * Where the face models run. The engine prepares every input tensor itself and asks an
 * Inference to run a model on it; two implementations sit behind this one interface:
 * - LocalInference runs the sessions on the calling thread (onnxruntime-node's `run` is
 *   synchronous under its promise: it blocks the event loop for the whole inference);
 * - ThreadInference (inference-thread.ts) runs them on a worker thread, so the booth's event
 *   loop stays free and the engine prepares the next model's input while the current one runs.
 * Both are tested against the same contract (test/integration/face/inference.test.ts).
 */

export interface InferenceRun {
  /** The model's outputs in the order of EXPECTED_OUTPUTS (models.ts). */
  outputs: Float32Array[];
  /** Milliseconds inside `session.run` on the thread that ran it: the raw inference time. */
  ms: number;
  /** The input tensor, handed back (from another thread too) so that it can be reused. */
  input: Float32Array;
}

export interface Inference {
  /** File, hash and shapes of each loaded model (a template carries the feature model's hash). */
  readonly models: Readonly<Partial<Record<ModelName, ModelInfo>>>;
  /** False once closed or, for a thread, once the thread has died. */
  readonly alive: boolean;
  /**
   * Runs one model. Requests for the models of one thread are served one at a time in the
   * order they were made (split lanes run two threads at once). The input may be handed over
   * to another thread: do not read or pass it again after the call.
   */
  run(name: ModelName, input: Float32Array): Promise<InferenceRun>;
  /**
   * A buffer of `length` floats for an input tensor (contents unspecified: write all of it);
   * only a pooling inference has one, the others leave the caller to allocate.
   */
  tensor?(length: number): Float32Array;
  close(): Promise<void>;
}

export interface InferenceOptions extends SessionOptions {
  modelsDir: string;
  /** The models to load; all of them when absent. */
  models?: readonly ModelName[];
}

/**
 * Marks a promise that is awaited later as handled now, so that a rejection before that (a
 * worker that dies while this thread is busy) is not an unhandled rejection, which ends a Node
 * process. Awaiting the returned promise still throws the error.
 */
export function awaitedLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function notRunning(why: string): BoothError {
  return new BoothError('BOOTH_ERR_NOT_READY', `face engine: expected its models to be loaded (${why})`);
}

/** The sessions on the calling thread. */
export class LocalInference implements Inference {
  private sessions: ModelSet | null;
  readonly models: Readonly<Partial<Record<ModelName, ModelInfo>>>;
  /** Serialises runs so that each `ms` measures one inference, not a queue. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;

  private constructor(sessions: ModelSet) {
    this.sessions = sessions;
    this.models = Object.fromEntries(Object.values(sessions).map((m) => [m.info.name, m.info]));
  }

  static async open(opts: InferenceOptions): Promise<LocalInference> {
    // The first session this thread creates claims the process's denormal mode (models.ts).
    const sessions = await loadModels(opts.modelsDir, opts, opts.models);
    try {
      await warmUp(sessions);
    } catch (err) {
      await releaseModels(sessions);
      throw err;
    }
    return new LocalInference(sessions);
  }

  get alive(): boolean {
    return this.sessions !== null && !this.closing;
  }

  run(name: ModelName, input: Float32Array): Promise<InferenceRun> {
    if (this.closing) return Promise.reject(notRunning('inference closed'));
    const next = this.queue.then(async () => {
      if (!this.sessions) throw notRunning('inference closed');
      const model = this.sessions[name];
      if (!model) throw new BoothError('BOOTH_ERR_INTERNAL', `face inference: model ${name} is not loaded here`);
      return { ...(await runTimed(model, input)), input };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    // Runs already requested finish; later ones are refused (run() checks `closing`).
    this.closing = true;
    await this.queue;
    const sessions = this.sessions;
    this.sessions = null;
    if (sessions) await releaseModels(sessions);
  }
}

/**
 * Any Inference, with input buffers reused: every run hands its input back, and `tensor` gives
 * out a handed-back buffer of the right length before allocating one. Without this each frame
 * left ~2 MB of tensors for the garbage collector, which let the booth's peak RSS grow by
 * ~20 MB between collections (docs/face.md). A buffer is in the pool only while no run holds it;
 * the `input` of a result from here belongs to the pool again, so callers use only `outputs`/`ms`.
 */
export class PooledInference implements Inference {
  private readonly free = new Map<number, Float32Array[]>();

  constructor(
    private readonly inner: Inference,
    /** Buffers kept per length: one frame's runs and an enrolment's beside it. */
    private readonly keep = 2,
  ) {}

  get models(): Inference['models'] {
    return this.inner.models;
  }

  get alive(): boolean {
    return this.inner.alive;
  }

  tensor(length: number): Float32Array {
    return this.free.get(length)?.pop() ?? new Float32Array(length);
  }

  async run(name: ModelName, input: Float32Array): Promise<InferenceRun> {
    const result = await this.inner.run(name, input);
    const list = this.free.get(result.input.length) ?? [];
    if (result.input.byteLength > 0 && list.length < this.keep) list.push(result.input);
    this.free.set(result.input.length, list);
    return result;
  }

  close(): Promise<void> {
    this.free.clear();
    return this.inner.close();
  }
}
