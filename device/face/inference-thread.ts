import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import { projectDir } from '../paths.js';
import { notRunning, type Inference, type InferenceOptions, type InferenceRun } from './inference.js';
import { fromWire, type FromWorker, type ToWorker, type WorkerData } from './inference-protocol.js';
import { claimDenormalMode, type ModelInfo, type ModelName } from './models.js';

/**
 * The face models on a worker thread. onnxruntime-node runs inference synchronously on the
 * thread that calls it: on the main thread every frame froze the booth's event loop (HTTP,
 * tablet, LEDs, watchdog) for ~25-30 ms, and the engine could not prepare one model's input
 * while another model ran. Here the main thread only posts tensors and the second core, which
 * ONNX Runtime leaves partly idle on small models, does that preparation (docs/face.md).
 */

/** The worker's compiled entry; under vitest (sources) the build's copy in dist/. */
export function workerEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./inference-worker.js', import.meta.url);
  return pathToFileURL(join(projectDir(), 'dist', 'device', 'face', 'inference-worker.js'));
}

interface Pending {
  resolve: (r: InferenceRun) => void;
  reject: (e: Error) => void;
}

export class ThreadInference implements Inference {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: string | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly models: Readonly<Partial<Record<ModelName, ModelInfo>>>,
    private readonly onDeath: (why: string) => void,
  ) {
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => this.die(`inference thread failed: ${err.message}`));
    worker.on('exit', (code) => this.die(`inference thread exited with code ${code}`));
    // An idle thread must not keep the process alive (a CLI that ends without stop()).
    worker.unref();
  }

  /**
   * Starts the thread and waits until its models are verified and warm. A model that fails
   * its integrity check rejects with the same BOOTH_ERR_MODEL_INTEGRITY as on the main thread.
   * `onDeath` is told if the thread dies later (the engine reports itself not ready).
   */
  static async open(
    opts: InferenceOptions,
    onDeath: (why: string) => void = () => undefined,
  ): Promise<ThreadInference> {
    // The thread inherits this thread's floating-point mode: set it first (models.ts says why).
    await claimDenormalMode(opts.modelsDir, opts);
    const entry = workerEntry();
    if (!existsSync(entry))
      throw new BoothError(
        'BOOTH_ERR_INTERNAL',
        `face inference thread: ${fileURLToPath(entry)} missing (run npm run build)`,
      );
    const worker = new Worker(entry, {
      workerData: opts satisfies WorkerData,
      name: 'face-inference',
      // Small heaps: the thread holds tensors in flight, not data.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 },
      // Not the parent's flags: some (--input-type, --eval) are refused by workers.
      execArgv: [],
    });
    return new Promise((resolve, reject) => {
      const early = (why: string) => reject(new BoothError('BOOTH_ERR_INTERNAL', `face inference thread: ${why}`));
      const onError = (err: Error) => early(err.message);
      const onExit = (code: number) => early(`exited with code ${code} before its models were ready`);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (m: FromWorker) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (m.type === 'ready') resolve(new ThreadInference(worker, m.models, onDeath));
        else {
          void worker.terminate();
          reject(
            m.type === 'failed'
              ? fromWire(m.error)
              : new BoothError('BOOTH_ERR_INTERNAL', `face inference thread: said ${m.type} first`),
          );
        }
      });
    });
  }

  get alive(): boolean {
    return this.dead === null && this.closing === null;
  }

  run(name: ModelName, input: Float32Array): Promise<InferenceRun> {
    if (!this.alive) return Promise.reject(notRunning(this.dead ?? 'inference closed'));
    // A buffer already handed to a run is detached (length 0): Node drops a message that
    // transfers it without an error, which would leave this run pending for ever.
    if (input.byteLength === 0)
      return Promise.reject(
        new BoothError(
          'BOOTH_ERR_INTERNAL',
          `face inference: the ${name} input is empty or was already handed to a run`,
        ),
      );
    const id = this.nextId++;
    // Hand the buffer over instead of copying it; a view into a larger buffer is copied first.
    const own = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : input.slice();
    const message: ToWorker = { type: 'run', id, name, input: own };
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(message, [own.buffer as ArrayBuffer]);
      } catch (err) {
        reject(toBoothError(err));
        return;
      }
      if (this.pending.size === 0) this.worker.ref(); // keep the process alive while a run is out
      this.pending.set(id, { resolve, reject });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.dead) return resolve();
      // Runs already posted still finish (the worker's LocalInference drains its queue before
      // it releases the sessions); a thread that does not exit within 5 s is terminated.
      this.worker.ref();
      const timer = setTimeout(() => void this.worker.terminate(), 5000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    });
    return this.closing;
  }

  private receive(m: FromWorker): void {
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.type === 'result') p.resolve({ outputs: m.outputs, ms: m.ms, input: m.input });
    else p.reject(fromWire(m.error));
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = why;
    for (const p of this.pending.values()) p.reject(notRunning(why));
    this.pending.clear();
    if (!this.closing) this.onDeath(why);
  }
}
