/**
 * Face engine benchmark: 640x480 JPEG frames letterboxed from the dataset images of master.csv,
 * analysed as live booth frames (decode -> detect -> landmarks -> embedding, liveness, eyes,
 * pose -> quality decision). In the same run, interleaved frame by frame so machine load hits
 * both alike, the raw inference of the same models on the same frame's inputs is timed
 * (session.run only, sequential): the floor. Prints ONE JSON object.
 *
 * npm run bench:face  (BENCH_ROUNDS=N for more rounds; BENCH_FACES=DIR for another dataset)
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileValidator } from '../device/core/validate.js';
import { FaceConfig } from '../device/config/sections/face.js';
import { decodeImage } from '../device/face/decode.js';
import { FaceEngine } from '../device/face/engine.js';
import { parsePairsCsv } from '../device/face/evaluate.js';
import { runModel, type LoadedModel } from '../device/face/models.js';
import {
  detectInput,
  eyeInputs,
  featureInput,
  landmarkInput,
  landmarks68,
  livenessInput,
  poseInput,
} from '../device/face/stages.js';
import { frame640 } from '../device/face/variants.js';
import { projectDir } from '../device/paths.js';
import { fileURLToPath } from 'node:url';

const FACES = process.env.BENCH_FACES ?? resolve(projectDir(), '../shared/datasets/faces');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const stats = (v: readonly number[]) => ({ p50: r1(quantile(v, 0.5)), p90: r1(quantile(v, 0.9)) });

async function timed(model: LoadedModel, input: Float32Array): Promise<number> {
  const t = performance.now();
  await runModel(model, input);
  return performance.now() - t;
}

/**
 * The parent makes the frames (decoding multi-megapixel photos takes memory the booth never
 * uses), then hands them over IPC to a child process that holds only the engine: its peak RSS
 * is the engine's. Frames stay in memory; nothing is written to disk.
 */
async function parent(): Promise<void> {
  const names = [
    ...new Set(parsePairsCsv(await readFile(resolve(FACES, 'master.csv'), 'utf8')).flatMap((p) => [p.x, p.y])),
  ].sort();
  const frames = await Promise.all(names.map(async (n) => frame640(await readFile(resolve(FACES, n)))));
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { serialization: 'advanced', stdio: 'inherit' });
  const result = await new Promise<unknown>((resolve_, reject) => {
    child.once('message', resolve_);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)));
    child.send(frames.map((f) => new Uint8Array(f)));
  });
  child.kill();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function childRun(frames: Uint8Array[]): Promise<Record<string, unknown>> {
  // BENCH_THREADS / BENCH_SPINNING=1 reproduce the thread and spin-wait comparisons of docs/face.md.
  const settings = compileValidator(FaceConfig, { defaults: true }).parse({
    runtime: {
      ...(process.env.BENCH_THREADS ? { threads: Number(process.env.BENCH_THREADS) } : {}),
      ...(process.env.BENCH_SPINNING === '1' ? { allowSpinning: true } : {}),
    },
  });
  const rssBefore = process.memoryUsage().rss;
  const engine = new FaceEngine({ settings });
  const t0 = performance.now();
  await engine.start();
  const startMs = performance.now() - t0;
  const models = engine.sessions;
  for (const f of frames) await engine.analyse(f, 'live'); // warm-up round, not counted

  const stages: Record<string, number[]> = {};
  const totals: number[] = [];
  const floors: number[] = [];
  const raw: Record<string, number[]> = {};
  const push = (m: Record<string, number[]>, k: string, v: number) => (m[k] ??= []).push(v);
  let usable = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const jpeg of frames) {
      const a = await engine.analyse(jpeg, 'live');
      totals.push(a.timings.total);
      for (const [k, v] of Object.entries(a.timings)) if (k !== 'total') push(stages, k, v);
      if (a.reasons.length === 0) usable++;
      if (!a.face) continue;
      // The floor: the same models on this frame's inputs, inputs prepared outside the timing.
      const img = await decodeImage(jpeg, settings.decode);
      const points = await landmarks68(models, img, a.face.box);
      const [eyeL, eyeR] = eyeInputs(img, points);
      const parts: [string, LoadedModel, Float32Array][] = [
        ['detect', models.detect, detectInput(img)],
        ['landmark', models.landmark, landmarkInput(img, a.face.box)],
        ['feature', models.feature, featureInput(img, a.face.points)],
        ['liveness', models.liveness, livenessInput(img, a.face.box)],
        ['eye', models.eye, eyeL],
        ['eye', models.eye, eyeR],
        ['pose', models.pose, poseInput(img, a.face.box)],
      ];
      let floor = 0;
      const perModel: Record<string, number> = {};
      for (const [name, model, input] of parts) {
        const ms = await timed(model, input);
        floor += ms;
        perModel[name] = (perModel[name] ?? 0) + ms;
      }
      for (const [k, v] of Object.entries(perModel)) push(raw, k, v);
      floors.push(floor);
    }
  }
  await engine.stop();
  const total = stats(totals);
  const floor = stats(floors);
  return {
    bench: 'face',
    frames: frames.length,
    rounds: ROUNDS,
    frameSize: '640x480',
    threads: settings.runtime.threads,
    allowSpinning: settings.runtime.allowSpinning,
    startMs: r1(startMs),
    stagesMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, stats(v)])),
    totalMs: total,
    floorMs: floor,
    rawInferenceMs: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, stats(v)])),
    ratioP50: Math.round((total.p50 / floor.p50) * 100) / 100,
    usableFrames: `${usable}/${totals.length}`,
    peakRssEngineProcessMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforeEngineMB: Math.round(rssBefore / 2 ** 20),
    loadAverage1m: r1(loadavg()[0] ?? 0),
  };
}

function fail(err: unknown): never {
  process.stderr.write(`bench face: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}

if (process.argv.includes('--child')) {
  process.once('message', (frames: Uint8Array[]) => {
    childRun(frames).then((r) => process.send?.(r), fail);
  });
} else {
  parent().catch(fail);
}
