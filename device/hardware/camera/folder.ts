import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AdapterInfo, Camera, CameraFrame, Clock } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { fillFrame } from './fill-frame.js';
import { checkJpeg } from './jpeg-check.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png']);

export interface FolderCameraOptions {
  /** A folder of images (played in name order) or a sequence file listing image paths, one per line. */
  source: string;
  width: number;
  height: number;
  /** Frames per second it delivers, like a camera (grab() waits for the next frame time); 0 = at once. */
  fps?: number;
  clock: Clock;
}

/**
 * Simulated camera: plays images from a folder or a sequence file, looping. Frames are
 * letterboxed to the configured size and JPEG-encoded in memory at start(), so grab() behaves
 * like the real camera (a JPEG of the configured size) without touching the disk per frame.
 */
export class FolderCamera implements Camera {
  readonly info: AdapterInfo;
  private frames: Buffer[] = [];
  private next = 0;
  private stopped = true;
  /** performance.now() of the last frame handed out (pacing only). */
  private lastAt = -Infinity;

  constructor(private readonly options: FolderCameraOptions) {
    this.info = { kind: 'sim', adapter: 'folder', description: options.source };
  }

  async start(): Promise<void> {
    const files = await listImages(this.options.source);
    if (files.length === 0) {
      throw new BoothError(
        'BOOTH_ERR_CAMERA_FAILED',
        `simulated camera: no .jpg/.png images in ${this.options.source}`,
      );
    }
    this.frames = await Promise.all(files.map((f) => this.toFrame(f)));
    this.next = 0;
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.frames = [];
  }

  /** Replaces what plays next (tests and the demo switch between "people"). */
  async play(source: string): Promise<void> {
    const files = await listImages(source);
    if (files.length === 0) throw new BoothError('BOOTH_ERR_CAMERA_FAILED', `simulated camera: no images in ${source}`);
    this.frames = await Promise.all(files.map((f) => this.toFrame(f)));
    this.next = 0;
  }

  async grab(): Promise<CameraFrame> {
    if (this.stopped) throw new BoothError('BOOTH_ERR_CAMERA_FAILED', 'camera is stopped');
    const fps = this.options.fps ?? 0;
    if (fps > 0) {
      const wait = this.lastAt + 1000 / fps - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastAt = performance.now();
      if (this.stopped) throw new BoothError('BOOTH_ERR_CAMERA_FAILED', 'camera is stopped');
    }
    const jpeg = this.frames[this.next % this.frames.length] as Buffer;
    this.next = (this.next + 1) % this.frames.length;
    return { jpeg, width: this.options.width, height: this.options.height, at: this.options.clock.monotonic() };
  }

  private async toFrame(file: string): Promise<Buffer> {
    const input = await readFile(file);
    try {
      const jpeg = await (
        await fillFrame(input, this.options.width, this.options.height)
      )
        .jpeg({ quality: 90 })
        .toBuffer();
      await checkJpeg(jpeg, file);
      return jpeg;
    } catch (err) {
      throw new BoothError(
        'BOOTH_ERR_CAMERA_BAD_IMAGE',
        `simulated camera: ${file} is not a usable image (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
}

async function listImages(source: string): Promise<string[]> {
  const path = resolve(source);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BoothError('BOOTH_ERR_CAMERA_FAILED', `simulated camera: ${path} does not exist`);
  }
  if (info.isDirectory()) {
    const names = (await readdir(path)).filter((n) => IMAGE_EXT.has(extname(n).toLowerCase())).sort();
    return names.map((n) => join(path, n));
  }
  const lines = (await readFile(path, 'utf8')).split('\n').map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith('#')).map((l) => resolve(dirname(path), l));
}
