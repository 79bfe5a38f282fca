import { spawn } from 'node:child_process';
import type { Camera, CameraFrame, Clock, AdapterInfo } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { checkJpeg } from './jpeg-check.js';

export interface FswebcamOptions {
  device: string;
  width: number;
  height: number;
  timeoutMs: number;
  skipFrames: number;
  jpegQuality: number;
  title: string;
  /** Program to run; tests put a fake on PATH or give a path. */
  fswebcamPath: string;
  clock: Clock;
}

/** Largest frame we accept on stdout; a runaway writer is killed past this. */
const MAX_FRAME_BYTES = 32 * 1024 * 1024;

/**
 * Grabs frames with fswebcam, spawned directly with an argument array (no shell, so no option
 * can inject shell text). The frame goes to stdout and stays in memory: no image touches the
 * disk. node-webcam is not used: it builds one shell string, has no timeout and leaves files
 * behind (docs/decisions.md).
 */
export class FswebcamCamera implements Camera {
  readonly info: AdapterInfo;
  private stopped = false;
  private readonly inFlight = new Set<ReturnType<typeof spawn>>();

  constructor(private readonly options: FswebcamOptions) {
    this.info = { kind: 'real', adapter: 'fswebcam', description: options.device };
  }

  async start(): Promise<void> {
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const child of this.inFlight) child.kill('SIGKILL');
    this.inFlight.clear();
  }

  /** The argument array; exported for tests and doctor output. */
  args(): string[] {
    const o = this.options;
    const args = ['--device', o.device, '--resolution', `${o.width}x${o.height}`, '--skip', String(o.skipFrames)];
    args.push('--jpeg', String(o.jpegQuality));
    if (o.title) args.push('--title', o.title);
    else args.push('--no-banner');
    // "-" writes the image to stdout; --quiet keeps progress text out of the way.
    args.push('--quiet', '-');
    return args;
  }

  grab(options: { timeoutMs?: number } = {}): Promise<CameraFrame> {
    if (this.stopped) return Promise.reject(new BoothError('BOOTH_ERR_CAMERA_FAILED', 'camera is stopped'));
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(this.options.fswebcamPath, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
      this.inFlight.add(child);
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let settled = false;
      const finish = (err: Error | null, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(child);
        if (err) reject(err);
        else resolve(value ?? Buffer.alloc(0));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(
          new BoothError('BOOTH_ERR_CAMERA_TIMEOUT', `fswebcam gave no frame within ${timeoutMs} ms; killed it`, {
            device: this.options.device,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_FRAME_BYTES) {
          child.kill('SIGKILL');
          finish(new BoothError('BOOTH_ERR_CAMERA_BAD_IMAGE', `fswebcam wrote more than ${MAX_FRAME_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      child.on('error', (err) => {
        finish(
          new BoothError('BOOTH_ERR_CAMERA_FAILED', `cannot run ${this.options.fswebcamPath}: ${err.message}`, {
            program: this.options.fswebcamPath,
          }),
        );
      });
      child.on('close', (code, signal) => {
        if (code !== 0) {
          finish(
            new BoothError(
              'BOOTH_ERR_CAMERA_FAILED',
              `fswebcam exited with ${signal ?? `code ${code}`}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ''}`,
              { device: this.options.device, exitCode: code },
            ),
          );
          return;
        }
        finish(null, Buffer.concat(chunks));
      });
    }).then(async (jpeg) => {
      // Debian's fswebcam 20140113 can exit 0 without a frame: the bytes decide, not the exit code.
      const { width, height } = await checkJpeg(jpeg, 'fswebcam output');
      return { jpeg, width, height, at: this.options.clock.monotonic() };
    });
  }
}
