import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { AdapterInfo, Camera, CameraFrame, CameraState, Clock } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { coverFilter, fillFilter, probeFrameSize, type FrameSize } from './fill-frame.js';
import { JpegSplitter, jpegSize } from './jpeg-splitter.js';

/** Where the MJPEG stream comes from: a USB (UVC) webcam, a Pi camera, or a video file. */
export type StreamSource =
  | { kind: 'v4l2'; device: string }
  | { kind: 'rpicam'; camera: number }
  /**
   * A video file played at its own frame rate; `loop` starts it again when it ends (the
   * simulator). `size`: its frame size, probed at start when not given (fill-frame.ts).
   */
  | { kind: 'file'; path: string; loop: boolean; size?: FrameSize };

export interface StreamCameraOptions {
  source: StreamSource;
  width: number;
  height: number;
  fps: number;
  /** A grab that sees no new frame for this long fails with BOOTH_ERR_CAMERA_TIMEOUT. */
  timeoutMs: number;
  /** A frame larger than this is dropped (a runaway writer cannot fill the memory). */
  maxFrameBytes: number;
  restartInitialMs: number;
  restartMaxMs: number;
  ffmpegPath: string;
  rpicamPath: string;
  /** JPEG quality (2 best .. 31) when ffmpeg re-encodes a video file. */
  fileQuality?: number;
  clock: Clock;
  /** Tests: whether the device is there (default: the path exists). */
  devicePresent?: (path: string) => Promise<boolean>;
}

/** The capture process exited this many times in a row without a frame: the camera is failed. */
const FAILED_AFTER = 3;

interface Latest extends CameraFrame {
  seq: number;
}

/**
 * The streaming camera: one long-running capture process writes MJPEG to a pipe; frames are
 * split from it (jpeg-splitter.ts) and only the newest is kept. grab() hands out a frame that
 * no earlier grab() had, waiting for the next one if needed, so a slow consumer always gets the
 * newest frame and never a stale one. onFrame() listeners (the live preview) see every frame.
 * When the process exits it is started again after a backoff (restartInitialMs doubling up to
 * restartMaxMs, back to the start once frames flow); a device path that vanished is reported
 * as state 'unplugged' and grabs fail with BOOTH_ERR_CAMERA_UNPLUGGED until it is back.
 * Frames stay in memory; nothing touches the disk. Programs are spawned with argument arrays.
 */
export class StreamCamera implements Camera {
  readonly info: AdapterInfo;
  private child: ChildProcess | null = null;
  private latest: Latest | null = null;
  private seq = 0;
  private handed = 0;
  private stopped = true;
  private stateNow: CameraState = 'stopped';
  private detail = '';
  private backoff: number;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stderr = '';
  private readonly frameListeners = new Set<(f: CameraFrame) => void>();
  private readonly stateListeners = new Set<(s: CameraState, detail?: string) => void>();
  private readonly waiters = new Set<{ resolve: (f: Latest) => void; reject: (e: Error) => void }>();
  private splitter: JpegSplitter | null = null;
  /** A video file's frame size found at start (null: it could not be probed). */
  private probed: FrameSize | null | undefined;

  constructor(private readonly options: StreamCameraOptions) {
    this.backoff = options.restartInitialMs;
    const s = options.source;
    this.info = {
      kind: s.kind === 'file' ? 'sim' : 'real',
      adapter: s.kind === 'rpicam' ? 'rpicam-vid' : s.kind === 'v4l2' ? 'ffmpeg-v4l2' : 'ffmpeg-file',
      description:
        s.kind === 'v4l2'
          ? `${s.device} ${options.width}x${options.height}@${options.fps}`
          : s.kind === 'rpicam'
            ? `Pi camera ${s.camera} ${options.width}x${options.height}@${options.fps}`
            : s.path,
    };
  }

  get state(): CameraState {
    return this.stateNow;
  }

  /** Frames split, dropped as oversized or corrupt, since start (bench and doctor). */
  get stats(): { frames: number; oversized: number; corrupt: number } {
    return this.splitter ? { ...this.splitter.stats } : { frames: 0, oversized: 0, corrupt: 0 };
  }

  /** The program and argument array for the source (exported for tests and doctor output). */
  command(): { program: string; args: string[] } {
    const o = this.options;
    const s = o.source;
    const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
    if (s.kind === 'v4l2')
      return {
        program: o.ffmpegPath,
        args: [
          ...quiet,
          ...['-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', `${o.width}x${o.height}`],
          ...['-framerate', String(o.fps), '-i', s.device],
          // The camera's JPEGs pass through untouched; mjpeg2jpeg adds the Huffman tables that
          // UVC cameras leave out (the decoder needs them).
          ...['-c:v', 'copy', '-bsf:v', 'mjpeg2jpeg', '-f', 'mjpeg', 'pipe:1'],
        ],
      };
    if (s.kind === 'rpicam')
      return {
        program: o.rpicamPath,
        args: [
          ...['--camera', String(s.camera), '--codec', 'mjpeg', '--width', String(o.width)],
          ...['--height', String(o.height), '--framerate', String(o.fps), '--nopreview', '-t', '0', '-o', '-'],
        ],
      };
    const size = s.size ?? this.probed;
    return {
      program: o.ffmpegPath,
      args: [
        ...quiet,
        ...[
          '-re',
          '-i',
          s.path,
          '-an',
          '-vf',
          size ? fillFilter(size, o.width, o.height) : coverFilter(o.width, o.height),
          '-f',
          'mjpeg',
          '-q:v',
          String(o.fileQuality ?? 3),
          'pipe:1',
        ],
      ],
    };
  }

  onFrame(listener: (frame: CameraFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onState(listener: (state: CameraState, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    const s = this.options.source;
    // A video file is fitted whole into the frame, its edges repeated to fill it: that needs
    // its size. Unknown (no ffprobe, an odd file), the frame is cropped from the middle.
    if (s.kind === 'file' && !s.size && this.probed === undefined)
      this.probed = await probeFrameSize(s.path, this.options.ffmpegPath.replace(/ffmpeg$/, 'ffprobe'));
    this.stopped = false;
    this.backoff = this.options.restartInitialMs;
    this.failures = 0;
    this.spawnNow();
  }

  async stop(): Promise<void> {
    if (this.stopped && !this.child) return;
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.latest = null;
    this.failWaiters(new BoothError('BOOTH_ERR_CAMERA_FAILED', 'camera is stopped'));
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('close', () => r()));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(force);
    }
    this.setState('stopped');
  }

  grab(options: { timeoutMs?: number } = {}): Promise<CameraFrame> {
    if (this.stopped) return Promise.reject(new BoothError('BOOTH_ERR_CAMERA_FAILED', 'camera is stopped'));
    const now = this.stateError();
    if (now) return Promise.reject(now);
    const latest = this.latest;
    if (latest && latest.seq > this.handed) return Promise.resolve(this.hand(latest));
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    return new Promise<CameraFrame>((resolve, reject) => {
      const waiter = {
        resolve: (f: Latest) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(this.hand(f));
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(e);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new BoothError('BOOTH_ERR_CAMERA_TIMEOUT', `no new camera frame within ${timeoutMs} ms`, {
              state: this.stateNow,
              timeoutMs,
              ...(this.detail ? { detail: this.detail } : {}),
            }),
          ),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  private hand(f: Latest): CameraFrame {
    this.handed = f.seq;
    return { jpeg: f.jpeg, width: f.width, height: f.height, at: f.at };
  }

  /** The error a grab gets at once in this state (null: wait for a frame). */
  private stateError(): BoothError | null {
    if (this.stateNow === 'unplugged')
      return new BoothError('BOOTH_ERR_CAMERA_UNPLUGGED', `camera unplugged: ${this.detail}`, { state: 'unplugged' });
    if (this.stateNow === 'failed')
      return new BoothError('BOOTH_ERR_CAMERA_FAILED', `camera failed: ${this.detail}`, { state: 'failed' });
    if (this.stateNow === 'ended')
      return new BoothError('BOOTH_ERR_CAMERA_ENDED', `the video ended: ${this.detail}`, { state: 'ended' });
    return null;
  }

  private spawnNow(): void {
    this.restartTimer = null;
    if (this.stopped) return;
    const { program, args } = this.command();
    this.stderr = '';
    let framesThisRun = 0;
    this.splitter = new JpegSplitter((jpeg) => {
      framesThisRun++;
      this.accept(jpeg);
    }, this.options.maxFrameBytes);
    const splitter = this.splitter;
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (this.stateNow === 'stopped') this.setState('starting');
    child.stdout?.on('data', (chunk: Buffer) => splitter.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-2048);
    });
    child.on('error', (err) => {
      this.stderr = `cannot run ${program}: ${err.message}`;
    });
    child.on('close', (code, signal) => {
      if (this.child !== child) return; // stopped, or replaced
      this.child = null;
      void this.exited(code, signal, framesThisRun);
    });
  }

  private accept(jpeg: Buffer): void {
    const size = jpegSize(jpeg);
    if (!size) return; // no frame header: not an image we can show or analyse
    const frame: Latest = { jpeg, ...size, at: this.options.clock.monotonic(), seq: ++this.seq };
    this.latest = frame;
    if (this.stateNow !== 'streaming') {
      this.backoff = this.options.restartInitialMs;
      this.failures = 0;
      this.setState('streaming');
    }
    for (const w of [...this.waiters]) w.resolve(frame);
    for (const l of this.frameListeners) {
      try {
        l(frame);
      } catch {
        // a preview listener must not stop the camera
      }
    }
  }

  private async exited(code: number | null, signal: NodeJS.Signals | null, frames: number): Promise<void> {
    this.latest = null; // a frame from a dead process is stale
    if (this.stopped) return;
    const s = this.options.source;
    const why = `${this.command().program} exited with ${signal ?? `code ${code}`}${this.stderr ? `: ${this.stderr.trim().slice(-300)}` : ''}`;
    if (s.kind === 'file' && code === 0 && frames > 0) {
      if (!s.loop) {
        this.setState('ended', s.path);
        this.failWaiters(this.stateError() as BoothError);
        return;
      }
      this.spawnNow(); // the simulator plays the file again at once
      return;
    }
    if (frames === 0) this.failures++;
    const path = s.kind === 'v4l2' ? s.device : s.kind === 'file' ? s.path : null;
    const present = path === null ? true : await (this.options.devicePresent ?? exists)(path);
    if (this.stopped) return;
    if (!present) this.setState('unplugged', `${path} is gone (${why})`);
    else if (this.failures >= FAILED_AFTER) this.setState('failed', why);
    else this.setState('restarting', why);
    const err = this.stateError();
    if (err) this.failWaiters(err);
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.restartMaxMs);
    this.restartTimer = setTimeout(() => this.spawnNow(), delay);
  }

  private failWaiters(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
  }

  private setState(state: CameraState, detail = ''): void {
    if (state === this.stateNow && detail === this.detail) return;
    this.stateNow = state;
    this.detail = detail;
    for (const l of this.stateListeners) {
      try {
        l(state, detail || undefined);
      } catch {
        // a state listener must not stop the camera
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
