/**
 * Real video files as the booth's camera would deliver them, for the benches that use footage
 * kept outside the repository (bench:liveness-video, bench:liveness with LIVENESS_BASES).
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileValidator } from '../protocol/validate.js';
import { CameraConfig } from '../device/config/sections/hardware.js';
import type { FaceEngine } from '../device/face/engine.js';
import { StreamCamera, type StreamCameraOptions } from '../device/hardware/camera/stream.js';
import { JpegSplitter } from '../device/hardware/camera/jpeg-splitter.js';
import { probeFrameSize } from '../device/hardware/camera/fill-frame.js';
import { systemClock } from '../device/hardware/system-clock.js';

export const VIDEO = /\.(mp4|mov|avi|webm|mkv)$/i;
export const cameraDefaults = compileValidator(CameraConfig, { defaults: true }).parse({});

export function cameraOptions(path: string): StreamCameraOptions & { source: { kind: 'file' } } {
  return { ...cameraDefaults, source: { kind: 'file', path, loop: false }, clock: systemClock };
}

/** Video files under `dir`, searched recursively, sorted. */
export async function videoFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && VIDEO.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Frames of the video as the camera would deliver them (its own ffmpeg command: fitted whole,
 * edges smeared, fill-frame.ts), `fps` a second, as fast as ffmpeg decodes them.
 */
export async function sampleFrames(file: string, fps: number): Promise<Buffer[]> {
  const size = (await probeFrameSize(file)) ?? undefined;
  const options = cameraOptions(file);
  const { program, args } = new StreamCamera({ ...options, source: { ...options.source, size } }).command();
  const vf = args.indexOf('-vf') + 1;
  const fast = args.map((a, i) => (i === vf ? `fps=${fps},${a}` : a)).filter((a) => a !== '-re');
  const frames: Buffer[] = [];
  const splitter = new JpegSplitter((j) => frames.push(j), cameraDefaults.maxFrameBytes);
  const child = spawn(program, fast, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (c: Buffer) => splitter.push(c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`${program} exited with ${code} on ${file}`);
  return frames;
}

export interface FrontalFrame {
  /** Index among the sampled frames. */
  index: number;
  yaw: number;
  jpeg: Buffer;
}

/**
 * The most frontal usable frames ('live' quality gates, smallest |yaw|) among `frames`, best
 * first, with the quality reasons of the others (why none, when none).
 */
export async function frontalFrames(
  engine: FaceEngine,
  frames: readonly Buffer[],
  label: string,
): Promise<{ found: FrontalFrame[]; reasons: Record<string, number> }> {
  const found: FrontalFrame[] = [];
  const reasons: Record<string, number> = {};
  for (const [index, jpeg] of frames.entries()) {
    const a = await engine.analyse(jpeg, 'live', label);
    for (const r of a.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
    if (!a.face?.pose || a.reasons.length > 0) continue;
    found.push({ index, yaw: a.face.pose.yaw, jpeg });
  }
  return { found: found.sort((a, b) => Math.abs(a.yaw) - Math.abs(b.yaw)), reasons };
}
