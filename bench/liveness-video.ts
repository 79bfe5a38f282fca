/**
 * The face check with active liveness on REAL video (not in CI: the videos are third-party
 * files kept outside the repository, with their sources in SOURCE.md next to them). Prints ONE
 * JSON object.
 *
 * For each video under LIVENESS_VIDEOS (default /work/real-video-data, searched recursively):
 * - the gallery: one frame of each video, the most frontal usable one ('live' quality gates,
 *   smallest |yaw|) of its second half when it has one (the passive decision takes the first
 *   frames), all videos' frames in one 1:N gallery as a roster would have;
 * - the video streamed through the booth's camera (StreamCamera, file source: ffmpeg plays it at
 *   its own frame rate, scaled and padded to the camera's size) and analysed as fast as this
 *   machine can (the newest frame each time, as on the booth), every frame with the full path
 *   (EngineFaceVerifier.check), as bench/liveness.ts does;
 * - the passive decision (`decide` over `visit.framesToDecide` usable frames), then the challenge:
 *   the person in the video was never prompted, so the prompt is deemed shown at the video's
 *   start and one tracker per kind (blink, turn-left, turn-right; default face.challenge rule)
 *   watches the same frames (`challengeFrame`, the live templates of the deciding frames),
 *   starting after the passive decision whatever its outcome (so the actions are reported even
 *   where the booth would have stopped). A tracker that expires (windowMs) is started again:
 *   `firstWindow` is what the booth would have decided, `passedAtMs` when the action was first
 *   recognised anywhere in the video;
 * - the same once more as a SCREEN REPLAY: every frame shown on a screen in a room
 *   (liveness-scenes.ts replayFrame: gamma, white point, moiré, refresh banding, bezel).
 *
 * Times are milliseconds from the first frame the camera delivered (the video's start).
 *
 * npm run bench:liveness-video  (LIVENESS_VIDEOS=DIR, LIVENESS_SEED=N for the replay screens,
 * LIVENESS_ANALYSE_FPS=N to pace the analysis as on a Pi, LIVENESS_RULE=JSON to try other
 * face.challenge settings)
 */
import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { compileValidator } from '../protocol/validate.js';
import { BoothError } from '../protocol/errors.js';
import { FaceConfig, type FaceSettings } from '../device/config/sections/face.js';
import { VisitConfig } from '../device/config/sections/visit.js';
import { decodeImage } from '../device/face/decode.js';
import { FaceEngine } from '../device/face/engine.js';
import { median, noseFrame, type Challenge, type ChallengeKind } from '../device/face/liveness.js';
import { StreamCamera } from '../device/hardware/camera/stream.js';
import { systemClock } from '../device/hardware/system-clock.js';
import { challengeFrame, decide, passiveRule } from '../device/visit/capture-loop.js';
import { EngineFaceVerifier } from '../device/visit/face-verifier.js';
import type { FrameCheck } from '../device/visit/ports.js';
import { replayFrame, replayScreen, room, seeded, toJpeg, type ReplayScreen } from './liveness-scenes.js';
import { cameraDefaults, cameraOptions, frontalFrames, sampleFrames, VIDEO, videoFiles } from './video-frames.js';

const DIR = process.env.LIVENESS_VIDEOS ?? '/work/real-video-data';
const SEED = Number(process.env.LIVENESS_SEED ?? 14);
const KINDS: readonly ChallengeKind[] = ['blink', 'turn-left', 'turn-right'];
/** Frames a second sampled when looking for the gallery frame. */
const ENROL_FPS = 4;
/**
 * At most this many frames analysed a second (LIVENESS_ANALYSE_FPS; default: as fast as this
 * machine goes): a Pi 4 analyses about 3 (full path) to 6-8 (light path) frames a second, so a
 * blink of 100-300 ms may fall between two analysed frames there.
 */
const ANALYSE_FPS = Number(process.env.LIVENESS_ANALYSE_FPS ?? Infinity);

/** LIVENESS_RULE='{"stillPoseDeg":15}': face.challenge settings to try instead of the defaults. */
const settings: FaceSettings = compileValidator(FaceConfig, { defaults: true }).parse({
  challenge: JSON.parse(process.env.LIVENESS_RULE ?? '{}') as unknown,
});
const { framesToDecide } = compileValidator(VisitConfig, { defaults: true }).parse({});

interface Video {
  file: string;
  ref: string;
  fps: number;
  seconds: number;
  enrol: { atMs: number; yaw: number; jpeg: Buffer } | null;
  /** Quality reasons of the sampled frames (why no gallery frame, when none). */
  reasons: Record<string, number>;
}

interface KindResult {
  /** What the booth would have decided: the first tracker's end ('pending': the video ended first). */
  firstWindow: 'passed' | 'expired' | 'pending' | 'inconsistent';
  /** When the action was first recognised (any tracker), ms from the video's start. */
  passedAtMs: number | null;
  /** Trackers used (one more after each expiry). */
  trackers: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const range = (xs: number[]) =>
  xs.length === 0 ? null : { min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length };

async function probe(file: string): Promise<{ fps: number; seconds: number }> {
  const { stdout } = await promisify(execFile)('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate:format=duration'],
    ...['-of', 'json', file],
  ]);
  const j = JSON.parse(stdout) as { streams: { avg_frame_rate: string }[]; format: { duration: string } };
  const [n, d] = (j.streams[0]?.avg_frame_rate ?? '0/1').split('/').map(Number);
  return { fps: round((n ?? 0) / (d || 1), 2), seconds: round(Number(j.format.duration), 2) };
}

/** The most frontal usable frame of the second half (else of the whole video). */
async function enrolFrame(engine: FaceEngine, file: string): Promise<Pick<Video, 'enrol' | 'reasons'>> {
  const frames = await sampleFrames(file, ENROL_FPS);
  const { found, reasons } = await frontalFrames(engine, frames, file);
  const late = found.filter((f) => f.index >= frames.length / 2);
  const best = (late.length > 0 ? late : found)[0];
  return {
    enrol: best
      ? { atMs: Math.round((1000 * best.index) / ENROL_FPS), yaw: round(best.yaw, 1), jpeg: best.jpeg }
      : null,
    reasons,
  };
}

/** One pass of a video through the camera and the decision path; `screen`: shown as a replay. */
async function run(engine: FaceEngine, verifier: EngineFaceVerifier, video: Video, screen: ReplayScreen | null) {
  const camera = new StreamCamera(cameraOptions(video.file));
  const scene = screen ? room(cameraDefaults.width, cameraDefaults.height, seeded(SEED)) : null;
  const live: number[] = [];
  const eyeMin: number[] = [];
  const eyeMax: number[] = [];
  const noseU: number[] = [];
  const yaw: number[] = [];
  let frames = 0;
  let oneFace = 0;
  let closed = 0;
  const matched: Record<string, number> = {};
  let usable: FrameCheck[] = [];
  let passive: {
    verified: boolean;
    reason: string;
    atMs: number;
    liveness: number | null;
    screen: number | null;
  } | null = null;
  /** The screen cue (moiré peak) of every one-face frame. */
  const screens: number[] = [];
  const kinds = new Map<ChallengeKind, KindResult & { tracker: Challenge | null }>();
  let t0: number | null = null;
  let last = 0;
  await camera.start();
  try {
    for (;;) {
      let frame;
      try {
        frame = await camera.grab();
      } catch (err) {
        if (err instanceof BoothError && err.code === 'BOOTH_ERR_CAMERA_ENDED') break;
        throw err;
      }
      t0 ??= frame.at;
      const t = frame.at - t0;
      last = t;
      const jpeg =
        screen && scene
          ? await toJpeg(replayFrame(await decodeImage(frame.jpeg, settings.decode), scene, screen, t))
          : frame.jpeg;
      const check = await verifier.check(jpeg, frame.at);
      frames++;
      const wait = frame.at + 1000 / ANALYSE_FPS - systemClock.monotonic();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const o = check.observation;
      if (check.faces === 1) {
        oneFace++;
        if (check.liveness !== null) live.push(check.liveness);
        if (typeof o.screen === 'number') screens.push(o.screen);
        if (o.eyes) {
          eyeMin.push(Math.min(o.eyes.left, o.eyes.right));
          eyeMax.push(Math.max(o.eyes.left, o.eyes.right));
          if (Math.max(o.eyes.left, o.eyes.right) <= settings.challenge.eyeClosedBelow) closed++;
        }
        if (o.points) noseU.push(noseFrame(o.points).u);
        if (o.pose) yaw.push(o.pose.yaw);
      }
      if (check.match?.kind === 'match') matched[check.match.ref] = (matched[check.match.ref] ?? 0) + 1;
      if (!passive) {
        if (check.faces > 1) usable = [];
        else if (check.match) usable.push(check);
        if (usable.length < framesToDecide) continue;
        const d = decide(usable, passiveRule(verifier.liveness, true));
        const scores = usable.map((c) => c.liveness).filter((x): x is number => x !== null);
        passive = {
          verified: d.kind === 'verified',
          reason: d.kind === 'verified' ? 'verified' : d.reason,
          atMs: Math.round(t),
          liveness: scores.length > 0 ? round(median(scores)) : null,
          screen: (() => {
            const xs = usable.flatMap((c) => (typeof c.observation.screen === 'number' ? [c.observation.screen] : []));
            return xs.length > 0 ? round(median(xs), 1) : null;
          })(),
        };
        verifier.newChallenge(usable); // keeps the live templates of the deciding frames
        for (const k of KINDS)
          kinds.set(k, { firstWindow: 'pending', passedAtMs: null, trackers: 1, tracker: track(engine, k) });
        continue;
      }
      const seen = challengeFrame(check, video.ref, verifier.continuity);
      for (const [k, r] of kinds) {
        if (!r.tracker) continue;
        if (seen === 'inconsistent') {
          if (r.trackers === 1 && r.firstWindow === 'pending') r.firstWindow = 'inconsistent';
          r.tracker = null;
          continue;
        }
        const state = r.tracker.observe(seen);
        if (state === 'pending') continue;
        if (r.trackers === 1 && r.firstWindow === 'pending') r.firstWindow = state;
        if (state === 'passed') {
          r.passedAtMs = Math.round(t);
          r.tracker = null;
        } else {
          r.trackers++;
          r.tracker = track(engine, k);
        }
      }
    }
  } finally {
    verifier.endChallenge();
    await camera.stop();
  }
  const u = noseU.filter((x) => Number.isFinite(x));
  return {
    framesAnalysed: frames,
    analysedFps: round(frames / Math.max(0.001, last / 1000), 1),
    framesOneFace: oneFace,
    matchedRefs: matched,
    passive,
    liveness: live.length === 0 ? null : { median: round(median(live)), ...range(live) },
    screen:
      screens.length === 0 ? null : { median: round(median(screens), 1), ...range(screens.map((x) => round(x, 1))) },
    eyesOpen: { minOfBoth: range(eyeMin), maxOfBoth: range(eyeMax), framesBothClosed: closed },
    noseU: u.length === 0 ? null : { ...range(u), span: round(Math.max(...u) - Math.min(...u)) },
    yaw: range(yaw.map((y) => round(y, 1))),
    challenge: Object.fromEntries(
      [...kinds].map(([k, r]) => [k, { firstWindow: r.firstWindow, passedAtMs: r.passedAtMs, trackers: r.trackers }]),
    ) as Partial<Record<ChallengeKind, KindResult>>,
  };
}

/** A tracker of one kind with the configured rule (engine.newChallenge picks by index). */
function track(engine: FaceEngine, kind: ChallengeKind): Challenge {
  const kinds = settings.challenge.kinds;
  return engine.newChallenge(() => (kinds.indexOf(kind) + 0.5) / kinds.length);
}

async function main(): Promise<void> {
  const started = performance.now();
  const engine = new FaceEngine({ settings });
  await engine.start();
  const verifier = new EngineFaceVerifier(engine, (m, d) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`));
  const list: Video[] = [];
  for (const file of await videoFiles(DIR)) {
    const ref = relative(DIR, file).replace(VIDEO, '');
    const info = await probe(file);
    list.push({ file, ref, ...info, ...(await enrolFrame(engine, file)) });
    process.stderr.write(
      `${ref}: ${info.seconds} s at ${info.fps} frames/s, gallery frame ${list.at(-1)?.enrol?.atMs ?? '-'} ms\n`,
    );
  }
  const refs = await verifier.enrol(
    list.flatMap((v) => (v.enrol ? [{ ref: v.ref, photos: [v.enrol.jpeg.toString('base64')], templates: [] }] : [])),
  );

  type Run = Awaited<ReturnType<typeof run>>;
  const results: object[] = [];
  const ran: { genuine: Run; replay: Run }[] = [];
  for (const [i, v] of list.entries()) {
    if (!refs.includes(v.ref)) {
      results.push({ video: v.ref, seconds: v.seconds, fps: v.fps, enrolled: false, sampledReasons: v.reasons });
      continue;
    }
    const genuine = await run(engine, verifier, v, null);
    const replay = await run(engine, verifier, v, replayScreen(seeded(SEED + i)));
    process.stderr.write(
      `${v.ref}: genuine ${genuine.passive?.reason ?? 'no decision'}, replay ${replay.passive?.reason ?? 'no decision'}\n`,
    );
    ran.push({ genuine, replay });
    results.push({
      video: v.ref,
      seconds: v.seconds,
      fps: v.fps,
      galleryFrame: { atMs: v.enrol?.atMs, yaw: v.enrol?.yaw },
      genuine,
      replay,
    });
  }
  await engine.stop();

  const count = (mode: 'genuine' | 'replay', pred: (x: Run) => boolean) => ran.filter((r) => pred(r[mode])).length;
  const summary = Object.fromEntries(
    (['genuine', 'replay'] as const).map((mode) => [
      mode,
      {
        videos: ran.length,
        passiveVerified: count(mode, (x) => x.passive?.verified === true),
        passiveRejected: count(mode, (x) => x.passive !== null && !x.passive.verified),
        noDecision: count(mode, (x) => x.passive === null),
        recognised: Object.fromEntries(
          KINDS.map((k) => [
            k,
            {
              firstWindow: count(mode, (x) => x.challenge[k]?.firstWindow === 'passed'),
              anywhere: count(mode, (x) => x.challenge[k]?.passedAtMs != null),
            },
          ]),
        ),
      },
    ]),
  );
  const result = {
    bench: 'liveness-video',
    date: new Date().toISOString(),
    dir: DIR,
    analyseFpsCap: Number.isFinite(ANALYSE_FPS) ? ANALYSE_FPS : null,
    camera: { width: cameraDefaults.width, height: cameraDefaults.height },
    framesToDecide,
    liveness: settings.liveness,
    challenge: settings.challenge,
    summary,
    videos: results,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
