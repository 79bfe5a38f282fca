import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoothError } from '../../../protocol/errors.js';
import { coverFilter, fillFrame } from './fill-frame.js';

export interface MakeVideoOptions {
  /** A still photo to film (moved slightly, like a person in front of a camera); omitted = ffmpeg's test pattern. */
  image?: string;
  seconds: number;
  fps: number;
  width: number;
  height: number;
  ffmpegPath?: string;
}

/**
 * Writes a short MJPEG video (.avi or .mkv, by the name) for the simulator, tests and benches:
 * a photo swaying a few pixels (so consecutive frames differ) or ffmpeg's testsrc pattern.
 * Argument arrays only; no shell.
 */
export async function makeVideo(out: string, o: MakeVideoOptions): Promise<void> {
  if (!o.image) return ffmpeg(out, o, ['-f', 'lavfi', '-i', `testsrc=size=${o.width}x${o.height}:rate=${o.fps}`], '');
  // The photo is framed first (filled to the frame's shape, no bars: fill-frame.ts), in a
  // private temporary folder removed at once.
  const dir = await mkdtemp(join(tmpdir(), 'booth-video-'));
  try {
    const still = join(dir, 'frame.png');
    await (await fillFrame(await readFile(o.image), o.width, o.height)).png().toFile(still);
    // The photo drifts by up to 3 % of its size each way, one sway a second.
    const sway = 'crop=iw*0.94:ih*0.94:iw*0.03*(1+sin(2*PI*t)):ih*0.03*(1+cos(2*PI*t)),';
    await ffmpeg(out, o, ['-loop', '1', '-framerate', String(o.fps), '-i', still], sway);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ffmpeg(out: string, o: MakeVideoOptions, input: string[], sway: string): Promise<void> {
  const args = [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...input],
    ...[
      '-t',
      String(o.seconds),
      '-vf',
      `${sway}${coverFilter(o.width, o.height)},format=yuvj420p`,
      '-r',
      String(o.fps),
    ],
    ...['-c:v', 'mjpeg', '-q:v', '3', out],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(o.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-1000)));
    child.on('error', (err) => reject(new BoothError('BOOTH_ERR_CAMERA_FAILED', `cannot run ffmpeg: ${err.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new BoothError('BOOTH_ERR_CAMERA_FAILED', `ffmpeg could not write ${out}: ${stderr.trim()}`)),
    );
  });
}
