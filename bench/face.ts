/**
 * Face engine benchmark: 640x480 JPEG frames letterboxed from the dataset images of master.csv,
 * analysed as live booth frames (decode -> detect -> landmarks -> embedding, liveness, eyes,
 * pose -> quality decision) by the engine as shipped (default config). Prints ONE JSON object.
 *
 * Two child processes, so that neither measurement disturbs the other:
 * - "rss": the engine alone analyses every frame; its peak RSS is the engine's.
 * - "timing": per frame, the engine's total, and interleaved with it (so machine load hits
 *   both alike) the raw inference of the same models on the same frame's inputs (session.run
 *   only, one model after another, inputs prepared outside the timing) with sessions of every
 *   intra-op thread count from one to the number of cores (at most 4) on the calling thread.
 *   The floor of a frame is the sum over the models of the fastest: the least time these
 *   models take run one by one. Frames without a face count in neither.
 * Both children get the booth's production environment (device/systemd/environment.ts, as the
 * systemd unit and `npm start` set it).
 *
 * npm run bench:face  (BENCH_ROUNDS=N for more rounds; BENCH_FACES=DIR for another dataset;
 * BENCH_INFERENCE=main|worker|split and BENCH_THREADS=N to compare engine configurations)
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { compileValidator } from '../protocol/validate.js';
import { FaceConfig, type FaceSettings } from '../device/config/sections/face.js';
import { decodeImage } from '../device/face/decode.js';
import { FaceEngine } from '../device/face/engine.js';
import { parsePairsCsv } from '../device/face/evaluate.js';
import { LocalInference, type Inference } from '../device/face/inference.js';
import { MODEL_NAMES, type ModelName } from '../device/face/models.js';
import {
  detectInput,
  eyeInputs,
  fasInput,
  featureInput,
  landmarkInput,
  landmarks68,
  livenessInput,
  poseInput,
} from '../device/face/stages.js';
import { frame640 } from '../device/face/variants.js';
import { hostPaths, projectDir } from '../device/paths.js';
import { PRODUCTION_ENV } from '../device/systemd/environment.js';

const FACES = process.env.BENCH_FACES ?? resolve(projectDir(), '../shared/datasets/faces');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const stats = (v: readonly number[]) => ({ p50: r1(quantile(v, 0.5)), p90: r1(quantile(v, 0.9)) });

function settingsFromEnv(): FaceSettings {
  return compileValidator(FaceConfig, { defaults: true }).parse({
    runtime: {
      ...(process.env.BENCH_THREADS ? { threads: Number(process.env.BENCH_THREADS) } : {}),
      ...(process.env.BENCH_INFERENCE ? { inference: process.env.BENCH_INFERENCE } : {}),
    },
  });
}

/**
 * Watches the event loop while a frame is analysed: a 1 ms interval notes the longest gap
 * between its ticks (what the booth's HTTP server, tablet and LEDs would wait).
 */
function watchEventLoop(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    },
  };
}

/** The parent makes the frames (decoding multi-megapixel photos takes memory the booth never uses). */
async function parent(): Promise<void> {
  const names = [
    ...new Set(parsePairsCsv(await readFile(resolve(FACES, 'master.csv'), 'utf8')).flatMap((p) => [p.x, p.y])),
  ].sort();
  const frames = await Promise.all(
    names.map(async (n) => new Uint8Array(await frame640(await readFile(resolve(FACES, n))))),
  );
  const memory = await runChild('rss', frames);
  const timing = await runChild('timing', frames);
  const settings = settingsFromEnv();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'face',
      frames: frames.length,
      rounds: ROUNDS,
      frameSize: '640x480',
      inference: settings.runtime.inference,
      threads: settings.runtime.threads,
      ...timing,
      ...memory,
      loadAverage1m: r1(loadavg()[0] ?? 0),
    })}\n`,
  );
}

function runChild(role: 'rss' | 'timing', frames: Uint8Array[]): Promise<Record<string, unknown>> {
  const child = fork(fileURLToPath(import.meta.url), [`--${role}`], {
    serialization: 'advanced',
    stdio: 'inherit',
    env: { ...process.env, ...PRODUCTION_ENV },
  });
  return new Promise((resolve_, reject) => {
    child.once('message', (m) => {
      child.kill();
      resolve_(m as Record<string, unknown>);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench ${role} child exited with ${code}`)));
    child.send(frames);
  });
}

/** The engine alone: start, a warm-up round, ROUNDS rounds; peak RSS of this process. */
async function rssRun(frames: Uint8Array[]): Promise<Record<string, unknown>> {
  const rssBefore = process.memoryUsage().rss;
  const engine = new FaceEngine({ settings: settingsFromEnv() });
  const t0 = performance.now();
  await engine.start();
  const startMs = performance.now() - t0;
  for (let round = 0; round <= ROUNDS; round++) for (const f of frames) await engine.analyse(f, 'live');
  await engine.stop();
  return {
    startMs: r1(startMs),
    peakRssEngineProcessMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforeEngineMB: Math.round(rssBefore / 2 ** 20),
  };
}

async function timingRun(frames: Uint8Array[]): Promise<Record<string, unknown>> {
  const settings = settingsFromEnv();
  const engine = new FaceEngine({ settings });
  await engine.start();
  const modelsDir = hostPaths().modelsDir;
  const base = { modelsDir, allowSpinning: false, denormalAsZero: true };
  const threadCounts = Array.from({ length: Math.min(4, Math.max(2, availableParallelism())) }, (_, i) => i + 1);
  const reference = new Map<number, Inference>();
  for (const threads of threadCounts) reference.set(threads, await LocalInference.open({ ...base, threads }));
  for (const f of frames) await engine.analyse(f, 'live'); // warm-up round, not counted

  const stages: Record<string, number[]> = {};
  const totals: number[] = [];
  const floors: number[] = [];
  const raw: Record<string, number[]> = {};
  const push = (m: Record<string, number[]>, k: string, v: number) => (m[k] ??= []).push(v);
  let usable = 0;
  let noFace = 0;
  const blocks: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const jpeg of frames) {
      const blocked = watchEventLoop();
      const a = await engine.analyse(jpeg, 'live');
      const longestBlock = blocked.stop();
      if (!a.face) {
        noFace++;
        continue;
      }
      totals.push(a.timings.total);
      blocks.push(longestBlock);
      for (const [k, v] of Object.entries(a.timings)) if (k !== 'total') push(stages, k, v);
      if (a.reasons.length === 0) usable++;
      const img = await decodeImage(jpeg, settings.decode);
      const points = await landmarks68(reference.get(2) as Inference, img, a.face.box);
      const inputs = (): [ModelName, Float32Array][] => {
        const [eyeL, eyeR] = eyeInputs(img, points);
        return [
          ['detect', detectInput(img)],
          ['landmark', landmarkInput(img, a.face!.box)],
          ['feature', featureInput(img, a.face!.points)],
          ['liveness', livenessInput(img, a.face!.box)],
          ['eye', eyeL],
          ['eye', eyeR],
          ['pose', poseInput(img, a.face!.box)],
          ['fasV2', fasInput(img, a.face!.box, 'fasV2')],
          ['fasV1se', fasInput(img, a.face!.box, 'fasV1se')],
        ];
      };
      const fastest = Object.fromEntries(MODEL_NAMES.map((n) => [n, Infinity])) as Record<ModelName, number>;
      // Alternate the order of the thread counts, so none always runs on a warmer cache.
      const order = round % 2 === 0 ? threadCounts : [...threadCounts].reverse();
      for (const threads of order) {
        const times = Object.fromEntries(MODEL_NAMES.map((n) => [n, 0])) as Record<ModelName, number>;
        const inf = reference.get(threads) as Inference;
        for (const [name, input] of inputs()) times[name] += (await inf.run(name, input)).ms;
        for (const n of MODEL_NAMES) {
          push(raw, `${n}@${threads}`, times[n]);
          fastest[n] = Math.min(fastest[n], times[n]);
        }
      }
      floors.push(MODEL_NAMES.reduce((sum, n) => sum + fastest[n], 0));
    }
  }
  await engine.stop();
  await Promise.all([...reference.values()].map((r) => r.close()));
  const total = stats(totals);
  const floor = stats(floors);
  return {
    stagesMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, stats(v)])),
    totalMs: total,
    floorMs: floor,
    rawInferenceMs: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, stats(v)])),
    ratioP50: Math.round((total.p50 / floor.p50) * 100) / 100,
    // The longest time the event loop could not run anything else during one frame.
    eventLoopLongestBlockMs: stats(blocks),
    usableFrames: `${usable}/${totals.length}`,
    framesWithoutFace: noFace,
    floorThreadCounts: threadCounts,
  };
}

function fail(err: unknown): never {
  process.stderr.write(`bench face: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}

const role = process.argv.includes('--rss') ? rssRun : process.argv.includes('--timing') ? timingRun : null;
if (role) {
  process.once('message', (frames: Uint8Array[]) => {
    role(frames).then((r) => process.send?.(r), fail);
  });
} else {
  parent().catch(fail);
}
