import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import { EventBus } from '../../../device/core/events.js';
import { FaceEngine, RESTART_DELAY_MS } from '../../../device/face/engine.js';
import {
  LocalInference,
  PooledInference,
  type Inference,
  type InferenceOptions,
} from '../../../device/face/inference.js';
import { LanedInference, SPLIT_LANES } from '../../../device/face/inference-lanes.js';
import { ThreadInference } from '../../../device/face/inference-thread.js';
import { MODEL_NAMES, sessionConfig, type ModelName } from '../../../device/face/models.js';
import { flushDenormalWeights } from '../../../device/face/onnx-weights.js';
import { hostPaths, projectDir } from '../../../device/paths.js';

const run = promisify(execFile);
import { frame640 } from '../../../device/face/variants.js';
import { defaultSettings, FACES, modelsDirWithTampered } from './helpers.js';

/**
 * Every place the models can run answers the same contract: the same outputs as the
 * reference sessions on the calling thread, requests served in order, the input handed back,
 * clear errors, and nothing served after close.
 */
const models = hostPaths().modelsDir;
const base: InferenceOptions = { modelsDir: models, threads: 1, allowSpinning: false, denormalAsZero: true };
const SHAPES: Record<ModelName, number> = {
  detect: 3 * 240 * 320,
  landmark: 64 * 64,
  feature: 3 * 112 * 112,
  liveness: 3 * 128 * 128,
  eye: 24 * 24,
  pose: 3 * 224 * 224,
  fasV2: 3 * 80 * 80,
  fasV1se: 3 * 80 * 80,
};
/** A deterministic, non-constant input for a model. */
const input = (name: ModelName, seed = 1) =>
  Float32Array.from({ length: SHAPES[name] }, (_, i) => Math.sin(i * 0.013 * seed) * 0.8);

const IMPLEMENTATIONS: [string, () => Promise<Inference>][] = [
  ['calling thread', () => LocalInference.open(base)],
  ['worker thread', () => ThreadInference.open(base)],
  ['split lanes', () => LanedInference.open({ ...base, threadsFor: { detect: 2 } }, SPLIT_LANES)],
  ['pooled worker thread', async () => new PooledInference(await ThreadInference.open(base))],
];

describe('inference contract', () => {
  let reference: LocalInference;
  const expected = new Map<ModelName, Float32Array[]>();
  beforeAll(async () => {
    reference = await LocalInference.open({ ...base, threads: 2 });
    for (const name of MODEL_NAMES) expected.set(name, (await reference.run(name, input(name))).outputs);
  });
  afterAll(() => reference.close());

  describe.each(IMPLEMENTATIONS)('%s', (_label, open) => {
    let inf: Inference;
    beforeAll(async () => {
      inf = await open();
    });
    afterAll(() => inf.close());

    it('loads every model and gives the outputs of the reference sessions', async () => {
      expect(Object.keys(inf.models).sort()).toEqual([...MODEL_NAMES].sort());
      expect(inf.alive).toBe(true);
      for (const name of MODEL_NAMES) {
        const r = await inf.run(name, input(name));
        expect(r.ms).toBeGreaterThan(0);
        const want = expected.get(name)!;
        expect(r.outputs).toHaveLength(want.length);
        r.outputs.forEach((out, k) => {
          const ref = want[k]!;
          expect(out).toHaveLength(ref.length);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(out[i]! - ref[i]!));
          expect(worst, `${name} output ${k}`).toBeLessThan(1e-3);
        });
      }
    });

    it('hands the input back, with its values, for reuse', async () => {
      const sent = input('landmark', 3);
      const copy = sent.slice();
      const r = await inf.run('landmark', sent);
      expect(r.input).toHaveLength(copy.length);
      expect(r.input).toEqual(copy);
    });

    it('serves requests made together, each with the result of its own input', async () => {
      // Same models with different inputs: a result handed to the wrong request shows.
      const asked: [ModelName, number][] = [
        ['eye', 2],
        ['liveness', 2],
        ['landmark', 2],
        ['eye', 3],
        ['pose', 2],
        ['fasV2', 2],
        ['landmark', 3],
        ['fasV1se', 2],
        ['detect', 2],
        ['eye', 4],
      ];
      const results = await Promise.all(asked.map(([n, seed]) => inf.run(n, input(n, seed))));
      for (const [i, [name, seed]] of asked.entries()) {
        const want = (await reference.run(name, input(name, seed))).outputs[0]!;
        const got = results[i]!.outputs[0]!;
        let worst = 0;
        for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!));
        expect(worst, `request ${i}: ${name} seed ${seed}`).toBeLessThan(1e-3);
      }
      expect(results[0]!.outputs[0]).not.toEqual(results[3]!.outputs[0]); // the seeds do differ
    });

    it('refuses an input already handed to a run, instead of hanging', async () => {
      const once = input('eye', 5);
      await inf.run('eye', once);
      const again = await Promise.race([
        inf.run('eye', once).then(
          () => 'served',
          (e: unknown) => (isBoothError(e) ? e.code : String(e)),
        ),
        new Promise((r) => setTimeout(() => r('hung'), 5000)),
      ]);
      // A thread that received the buffer detached it: refused. The calling thread kept it: served.
      expect(['served', 'BOOTH_ERR_INTERNAL']).toContain(again);
    });

    it('rejects an input of the wrong size with an error and keeps serving', async () => {
      await expect(inf.run('eye', new Float32Array(10))).rejects.toThrow();
      const r = await inf.run('eye', input('eye'));
      expect(r.outputs[0]).toHaveLength(2);
    });
  });

  it('after close: not alive, and a run is refused with BOOTH_ERR_NOT_READY', async () => {
    for (const [label, open] of IMPLEMENTATIONS) {
      const inf = await open();
      await inf.close();
      expect(inf.alive, label).toBe(false);
      const err = await inf.run('eye', input('eye')).catch((e: unknown) => e);
      expect(isBoothError(err, 'BOOTH_ERR_NOT_READY'), label).toBe(true);
    }
  });
});

describe('inference on a worker thread', () => {
  it('a run already posted when the thread dies is rejected; the death is reported once', async () => {
    const deaths: string[] = [];
    const inf = await ThreadInference.open(base, (why) => deaths.push(why));
    const worker = (inf as unknown as { worker: Worker }).worker;
    const pending = inf.run('pose', input('pose'));
    const poseDone = new Promise((r) => worker.once('message', r)); // the real run's late result
    // Terminating a thread inside a native ONNX Runtime call can take the process down with
    // it, so the death arrives as the 'exit' event the Worker would emit; the real thread is
    // stopped once idle. (The test reaches the private Worker: nothing in the booth does.)
    worker.emit('exit', 1);
    const err = await pending.catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_NOT_READY')).toBe(true);
    expect((err as Error).message).toMatch(/inference thread exited with code 1/);
    expect(inf.alive).toBe(false);
    worker.emit('exit', 1);
    expect(deaths).toEqual(['inference thread exited with code 1']);
    await poseDone; // the thread is idle again (its result is ignored): now it can be stopped
    await worker.terminate();
    await inf.close(); // closing a dead thread resolves
  });

  it('a model not loaded in a lane is an internal error, not a hang', async () => {
    const inf = await ThreadInference.open({ ...base, models: ['eye'] });
    try {
      expect(Object.keys(inf.models)).toEqual(['eye']);
      const err = await inf.run('pose', input('pose')).catch((e: unknown) => e);
      expect(isBoothError(err, 'BOOTH_ERR_INTERNAL')).toBe(true);
      expect((err as Error).message).toMatch(/model pose is not loaded/);
    } finally {
      await inf.close();
    }
  });

  it('an idle thread does not keep the process alive (a CLI that forgets stop() still exits)', async () => {
    // A separate process on the build: it opens a thread, runs once, never closes, and must end.
    const script = `
      const { ThreadInference } = await import(${JSON.stringify(pathToFileURL(join(projectDir(), 'dist/device/face/inference-thread.js')).href)});
      const inf = await ThreadInference.open(${JSON.stringify({ ...base, models: ['eye'] })});
      const r = await inf.run('eye', new Float32Array(576));
      console.log('ran', r.outputs[0].length);
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('ran 2');
  });
});

describe('denormal mode of the calling thread', () => {
  // ORT sets it once per process, on the thread that creates the first session; threads
  // started later inherit it. JavaScript arithmetic shows it: with DAZ/FTZ on, the smallest
  // denormal times one is zero. A separate process, so that no earlier session interferes.
  it('stays flush-to-zero when the first sessions are made by an inference worker', async () => {
    const script = `
      const { ThreadInference } = await import(${JSON.stringify(pathToFileURL(join(projectDir(), 'dist/device/face/inference-thread.js')).href)});
      const mul = (a, b) => a * b;
      const tiny = Number(process.argv[1]);
      const before = mul(tiny, 1);
      const inf = await ThreadInference.open(${JSON.stringify({ ...base, models: ['feature'] })});
      console.log(JSON.stringify({ before, after: mul(tiny, 1) }));
      await inf.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, '5e-324'], {
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({ before: 5e-324, after: 0 });
  });
});

describe('model integrity in the worker lane', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await modelsDirWithTampered('pose');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a tampered model loaded by the worker fails the start with BOOTH_ERR_MODEL_INTEGRITY naming it', async () => {
    const engine = new FaceEngine({ settings: defaultSettings(), modelsDir: dir });
    const err = await engine.start().catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_MODEL_INTEGRITY')).toBe(true);
    expect((err as Error).message).toMatch(/model pose: sha256 .* differs from the manifest/);
    expect(engine.ready).toBe(false);
  });
});

describe('engine when its inference thread dies', () => {
  it('reports face.state failed, refuses frames with BOOTH_ERR_NOT_READY, then loads the models again', async () => {
    const bus = new EventBus();
    const states: string[] = [];
    const next = (state: string) =>
      new Promise<void>((resolve) => bus.on('test', 'face.state', (e) => e.state === state && resolve()));
    bus.on('test', 'face.state', (e) => states.push(e.state));
    const engine = new FaceEngine({ settings: defaultSettings((s) => (s.runtime.inference = 'worker')), bus });
    await engine.start();
    const frame = await frame640(await readFile(join(FACES, 'img20.jpg')));
    expect((await engine.analyse(frame, 'live')).face).not.toBeNull();
    const pooled = engine.inference as unknown as { inner: { worker: Worker } };
    const failed = next('failed');
    await pooled.inner.worker.terminate(); // idle: no native run in progress
    await failed;
    expect(engine.ready).toBe(false);
    const err = await engine.analyse(frame, 'live').catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_NOT_READY')).toBe(true);
    await next('ready'); // after RESTART_DELAY_MS, with a new thread
    expect(engine.ready).toBe(true);
    expect((await engine.analyse(frame, 'live')).face).not.toBeNull();
    await engine.stop();
    expect(states).toEqual(['ready', 'failed', 'ready', 'stopped']);
  });

  it('stop() during the wait cancels the restart', async () => {
    const bus = new EventBus();
    const states: string[] = [];
    bus.on('test', 'face.state', (e) => states.push(e.state));
    const engine = new FaceEngine({ settings: defaultSettings((s) => (s.runtime.inference = 'worker')), bus });
    await engine.start();
    await (engine.inference as unknown as { inner: { worker: Worker } }).inner.worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    await engine.stop();
    await new Promise((r) => setTimeout(r, RESTART_DELAY_MS + 500));
    expect(states).toEqual(['ready', 'failed']);
    expect(engine.ready).toBe(false);
  });
});

describe('engine in split lanes when the worker lane dies mid-frame', () => {
  it('the frame fails with BOOTH_ERR_NOT_READY, no rejection is left unhandled, face.state says failed', async () => {
    const bus = new EventBus();
    const states: string[] = [];
    bus.on('test', 'face.state', (e) => states.push(e.state));
    const engine = new FaceEngine({ settings: defaultSettings((s) => (s.runtime.inference = 'split')), bus });
    await engine.start();
    const frame = await frame640(await readFile(join(FACES, 'img20.jpg')));
    expect((await engine.analyse(frame, 'live')).face).not.toBeNull();
    const laned = (engine.inference as unknown as { inner: { lanes: { worker?: Worker }[] } }).inner;
    const worker = laned.lanes.find((l) => l.worker)!.worker!;
    // The death arrives when liveness has been posted and this thread is about to run the
    // landmarks: the window where nothing awaits the worker's promises yet.
    const post = worker.postMessage.bind(worker);
    let injected = false;
    const results = new Promise<void>((resolve) => {
      let n = 0;
      worker.on('message', () => ++n === 2 && resolve()); // liveness and pose still finish there
    });
    worker.postMessage = (message: unknown, transfer?: readonly ArrayBuffer[]) => {
      post(message, transfer as ArrayBuffer[]);
      if (!injected) {
        injected = true;
        queueMicrotask(() => worker.emit('exit', 1));
      }
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const err = await engine.analyse(frame, 'live').catch((e: unknown) => e);
      expect(isBoothError(err, 'BOOTH_ERR_NOT_READY')).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(states).toEqual(['ready', 'failed']);
      expect(engine.ready).toBe(false);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await results; // the real thread is idle again before it is stopped
      await worker.terminate();
      await engine.stop();
    }
  });
});

describe('pooled inference', () => {
  it('reuses a handed-back buffer of the same length, keeps at most `keep`, never a detached one', async () => {
    const inner = await LocalInference.open({ ...base, models: ['eye'] });
    const pooled = new PooledInference(inner, 2);
    try {
      const a = pooled.tensor(SHAPES.eye);
      a.set(input('eye'));
      await pooled.run('eye', a);
      expect(pooled.tensor(SHAPES.eye)).toBe(a); // the same buffer again
      expect(pooled.tensor(SHAPES.eye)).not.toBe(a); // and now the pool is empty
      const runs = await Promise.all([1, 2, 3].map((k) => pooled.run('eye', input('eye', k))));
      const kept = [pooled.tensor(SHAPES.eye), pooled.tensor(SHAPES.eye), pooled.tensor(SHAPES.eye)];
      expect(runs.map((r) => r.input)).toEqual(expect.arrayContaining([kept[0], kept[1]]));
      expect(runs.map((r) => r.input)).not.toContain(kept[2]);
    } finally {
      await pooled.close();
    }
  });
});

describe('denormal weights flushed at load', () => {
  it('the feature model gives the same embedding as the file run with DAZ (cosine > 0.99999)', async () => {
    const ort = await import('onnxruntime-node');
    const file = await readFile(join(models, 'fr_feature.onnx'));
    const options = sessionConfig({ threads: 2, allowSpinning: false, denormalAsZero: true });
    const raw = await ort.InferenceSession.create(file, options);
    const flushed = await ort.InferenceSession.create(flushDenormalWeights(file).bytes, options);
    try {
      for (const seed of [1, 2, 5]) {
        const feed = { input: new ort.Tensor('float32', input('feature', seed), [1, 3, 112, 112]) };
        const a = (await raw.run(feed)).output!.data as Float32Array;
        const b = (await flushed.run(feed)).output!.data as Float32Array;
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let i = 0; i < a.length; i++) {
          dot += a[i]! * b[i]!;
          na += a[i]! ** 2;
          nb += b[i]! ** 2;
        }
        expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.99999);
      }
    } finally {
      await raw.release();
      await flushed.release();
    }
  });
});

describe('the engine gives the same analysis wherever the models run', () => {
  it('main, worker and split: same faces, reasons, liveness, pose and template (cosine > 0.9999)', async () => {
    const frame = await frame640(await readFile(join(FACES, 'img12.jpg')));
    const photo = await readFile(join(FACES, 'img3.jpg'));
    const results = [];
    for (const placement of ['main', 'worker', 'split'] as const) {
      const engine = new FaceEngine({ settings: defaultSettings((s) => (s.runtime.inference = placement)) });
      await engine.start();
      try {
        const live = await engine.analyse(frame, 'live');
        const reference = await engine.enrol(photo); // mirrored reference: two feature runs at once
        results.push({
          placement,
          live,
          liveEmbedding: engine.embedding(live.template),
          referenceEmbedding: engine.embedding(reference),
          score: engine.similarity(live.template, reference),
        });
      } finally {
        await engine.stop();
      }
    }
    const [first, ...others] = results;
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    for (const r of others) {
      expect(r.live.faces.length, r.placement).toBe(first!.live.faces.length);
      expect(r.live.reasons, r.placement).toEqual(first!.live.reasons);
      expect(r.live.face!.liveness!, r.placement).toBeCloseTo(first!.live.face!.liveness!, 3);
      expect(r.live.face!.pose!.yaw, r.placement).toBeCloseTo(first!.live.face!.pose!.yaw, 1);
      expect(r.live.face!.eyes!.open, r.placement).toBe(first!.live.face!.eyes!.open);
      expect(cos(r.liveEmbedding, first!.liveEmbedding), r.placement).toBeGreaterThan(0.9999);
      expect(cos(r.referenceEmbedding, first!.referenceEmbedding), r.placement).toBeGreaterThan(0.9999);
      expect(r.score, r.placement).toBeCloseTo(first!.score, 3);
    }
  });
});
