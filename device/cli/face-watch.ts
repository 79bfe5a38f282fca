import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { EXIT } from './command.js';
import { configOrExit, parseWith, UsageError } from './config-args.js';
import { faceCommonOptions, round, write } from './face-shared.js';
import { FaceEngine } from '../face/engine.js';
import type { FaceSettings } from '../config/sections/face.js';
import { CaptureLoop, type Decision } from '../visit/capture-loop.js';
import { EngineFaceVerifier } from '../visit/face-verifier.js';
import { StreamCamera, type StreamSource } from '../hardware/camera/stream.js';
import { systemClock } from '../hardware/system-clock.js';
import { toBoothError } from '../../protocol/errors.js';

const IMAGE = /\.(jpe?g|png|webp)$/i;
const CHALLENGES = {
  blink: ['blink'],
  turn: ['turn-left', 'turn-right'],
  random: ['blink', 'turn-left', 'turn-right'],
};

/**
 * `booth face watch --source FILE|DEVICE --gallery DIR [--challenge off|blink|turn|random]`:
 * the visit's real capture loop and face verifier on a stream (a video file at its own frame
 * rate, or a V4L2 device through ffmpeg), with the gallery enrolled from `<identity>.<ext>`
 * photos. Prints one line per analysed frame and a final line; ends when the source ends or a
 * decision is made. Exit 0 when verified, 1 otherwise.
 */
export async function faceWatch(argv: string[]): Promise<number> {
  const { values } = parseWith(argv, {
    ...faceCommonOptions,
    source: { type: 'string' },
    gallery: { type: 'string' },
    challenge: { type: 'string', default: 'off' },
  });
  if (!values.source || !values.gallery) throw new UsageError('--source FILE|DEVICE and --gallery DIR are required');
  const challenge = values.challenge ?? 'off';
  if (challenge !== 'off' && !(challenge in CHALLENGES))
    throw new UsageError(`--challenge: expected off, blink, turn or random, got "${challenge}"`);
  const galleryFiles = (await readdir(values.gallery)).filter((f) => IMAGE.test(f)).sort();
  if (galleryFiles.length === 0) throw new UsageError(`--gallery ${values.gallery}: no .jpg, .png or .webp images`);
  const sourceInfo = await stat(values.source).catch(() => null);
  if (!sourceInfo) throw new UsageError(`--source ${values.source}: not found`);
  const loaded = await configOrExit(values);
  if ('exit' in loaded) return loaded.exit;
  const { config } = loaded;
  const settings: FaceSettings = structuredClone(config.face);
  if (challenge !== 'off') settings.challenge.kinds = [...CHALLENGES[challenge as keyof typeof CHALLENGES]] as never;
  if (values.threshold !== undefined) settings.match.threshold = Number(values.threshold);

  const engine = new FaceEngine({ settings });
  await engine.start();
  const face = new EngineFaceVerifier(engine, (m, d) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`));
  const source: StreamSource = sourceInfo.isCharacterDevice()
    ? { kind: 'v4l2', device: values.source }
    : { kind: 'file', path: values.source, loop: false };
  const cam = config.hardware.camera;
  const camera = new StreamCamera({ ...cam, source, clock: systemClock });
  try {
    const refs = await face.enrol(
      await Promise.all(
        galleryFiles.map(async (f) => ({
          ref: basename(f, extname(f)),
          photos: [(await readFile(join(values.gallery as string, f))).toString('base64')],
          templates: [],
        })),
      ),
    );
    if (refs.length === 0) {
      process.stderr.write('booth face watch: no gallery photo could be enrolled\n');
      return EXIT.failure;
    }
    const t0 = systemClock.monotonic();
    let analysed = 0;
    let inChallenge = false;
    let decision: { d: Decision; at: number } | null = null;
    let ended: () => void = () => undefined;
    const done = new Promise<void>((r) => (ended = r));
    const loop = new CaptureLoop({
      camera,
      face,
      framesToDecide: config.visit.framesToDecide,
      frameIntervalMs: config.visit.frameIntervalMs,
      activeLiveness: () => challenge !== 'off',
      onFrame: (c) => {
        analysed++;
        if (c.prompt?.startsWith('challenge-')) inChallenge = true;
        if (!values.json) return;
        const m = c.match;
        const reasons = [...(c.prompt ? [c.prompt] : []), ...(m?.kind === 'unknown' && !c.prompt ? [m.reason] : [])];
        write(
          JSON.stringify({
            atMs: Math.round(c.observation.at - t0),
            identity: m?.kind === 'match' ? m.ref : null,
            score: round(m?.score ?? c.continuity?.score ?? null),
            reasons,
          }),
        );
      },
      onDecision: (d) => {
        decision = { d, at: systemClock.monotonic() };
        ended();
      },
      onError: (code, message) => {
        if (code === 'BOOTH_ERR_CAMERA_ENDED' || code === 'BOOTH_ERR_CAMERA_UNPLUGGED') ended();
        else process.stderr.write(`camera frame: ${code} ${message}\n`);
      },
    });
    await camera.start();
    loop.start();
    await done;
    await loop.stop();
    const got = decision as { d: Decision; at: number } | null;
    const outcome = got ? got.d.kind : inChallenge ? 'challenge' : 'no-decision';
    const final = {
      final: true,
      outcome,
      identity: got?.d.kind === 'verified' ? got.d.ref : null,
      ...(got?.d.kind === 'rejected' ? { reason: got.d.reason } : {}),
      framesAnalysed: analysed,
      msToDecision: got ? Math.round(got.at - t0) : null,
    };
    if (values.json) write(JSON.stringify(final));
    else
      write(
        `${outcome}${final.identity ? ` ${final.identity}` : ''}${'reason' in final ? ` (${final.reason})` : ''}: ${analysed} frames analysed${final.msToDecision !== null ? `, decided after ${final.msToDecision} ms` : ''}`,
      );
    return outcome === 'verified' ? EXIT.ok : EXIT.failure;
  } catch (err) {
    const e = toBoothError(err);
    process.stderr.write(`booth face watch: ${e.code}: ${e.message}\n`);
    return EXIT.failure;
  } finally {
    await camera.stop();
    await engine.stop();
  }
}
