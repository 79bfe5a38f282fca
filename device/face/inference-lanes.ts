import { BoothError, toBoothError } from '../../protocol/errors.js';
import { LocalInference, notRunning, type Inference, type InferenceOptions, type InferenceRun } from './inference.js';
import { ThreadInference } from './inference-thread.js';
import type { ModelInfo, ModelName } from './models.js';

/**
 * The face models spread over "lanes" (the calling thread, worker threads), each running its
 * models one at a time. On a 2-core CPU two single-threaded lanes beat one lane whose sessions
 * use both cores: ONNX Runtime's intra-op threads reached only ~1.36x on two cores with these
 * small models, while the models after detection are independent and can run side by side
 * (docs/face.md has the measurements).
 */

export interface Lane {
  /** 'main' = the calling thread (LocalInference), 'worker' = a thread of its own. */
  where: 'main' | 'worker';
  models: readonly ModelName[];
}

/**
 * The chain that waits for the landmarks (detect -> landmark -> feature, eyes) on the calling
 * thread, and the models that need only the face box (both liveness models, pose) on a worker, where they
 * start as soon as detection ends and run beside the chain.
 */
export const SPLIT_LANES: readonly Lane[] = [
  { where: 'main', models: ['detect', 'landmark', 'feature', 'eye'] },
  { where: 'worker', models: ['liveness', 'fasV2', 'fasV1se', 'pose'] },
];

export class LanedInference implements Inference {
  readonly models: Readonly<Partial<Record<ModelName, ModelInfo>>>;
  private readonly laneOf: ReadonlyMap<ModelName, Inference>;
  private closed = false;

  private constructor(private readonly lanes: readonly Inference[]) {
    const laneOf = new Map<ModelName, Inference>();
    for (const lane of lanes) for (const name of Object.keys(lane.models) as ModelName[]) laneOf.set(name, lane);
    this.laneOf = laneOf;
    this.models = Object.assign({}, ...lanes.map((l) => l.models)) as Partial<Record<ModelName, ModelInfo>>;
  }

  /**
   * Opens the lanes one after the other. If one fails, those already open are closed and its
   * failure is thrown (an integrity error names its model).
   */
  static async open(
    opts: InferenceOptions,
    lanes: readonly Lane[],
    onDeath: (why: string) => void = () => undefined,
  ): Promise<LanedInference> {
    let laned: LanedInference | null = null;
    let reported = false;
    // One lane's death stops the engine: report once, whichever lane died.
    const died = (why: string) => {
      if (reported || laned?.closed) return;
      reported = true;
      onDeath(why);
    };
    // One after the other: a lane that fails stops the rest, and nothing loads twice at once.
    const opened: Inference[] = [];
    try {
      for (const lane of lanes)
        opened.push(
          lane.where === 'main'
            ? await LocalInference.open({ ...opts, models: lane.models })
            : await ThreadInference.open({ ...opts, models: lane.models }, died),
        );
    } catch (err) {
      await Promise.all(opened.map((l) => l.close()));
      throw toBoothError(err);
    }
    laned = new LanedInference(opened);
    return laned;
  }

  get alive(): boolean {
    return !this.closed && this.lanes.every((l) => l.alive);
  }

  run(name: ModelName, input: Float32Array): Promise<InferenceRun> {
    const lane = this.laneOf.get(name);
    if (!lane) return Promise.reject(new BoothError('BOOTH_ERR_INTERNAL', `face inference: model ${name} has no lane`));
    if (!this.alive) return Promise.reject(notRunning(this.closed ? 'inference closed' : 'an inference thread died'));
    return lane.run(name, input);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}
