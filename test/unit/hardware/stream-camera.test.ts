import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { StreamCamera, type StreamCameraOptions } from '../../../device/hardware/camera/stream.js';
import { makeVideo } from '../../../device/hardware/camera/make-video.js';
import { systemClock } from '../../../device/hardware/system-clock.js';
import type { CameraFrame, CameraState } from '../../../device/core/ports.js';
import { cameraContract } from '../../helpers/camera-contract.js';
import { edgeLuma } from '../../helpers/frame-edges.js';

// Real ffmpeg plays a generated video (the simulator's and the tests' source); a fake ffmpeg
// (test/fixtures/fake-ffmpeg) stands in for a V4L2 device that can be unplugged.
const FAKE = resolve('test/fixtures/fake-ffmpeg/ffmpeg');
const FACE = resolve('../shared/datasets/faces/img1.jpg');
const FRAME = resolve('test/fixtures/demo/camera/frame-1.jpg');

let work: string;
let video: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'booth-stream-'));
  video = join(work, 'face.avi');
  // 4 s at 15 frames/s of a face swaying: long enough for every test below to see it streaming.
  await makeVideo(video, { image: FACE, seconds: 4, fps: 15, width: 320, height: 240 });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const cameras: StreamCamera[] = [];
afterEach(async () => {
  await Promise.all(cameras.splice(0).map((c) => c.stop()));
  delete process.env.FAKE_FFMPEG_MODE;
  delete process.env.FAKE_FFMPEG_LOG;
});

function camera(overrides: Partial<StreamCameraOptions> = {}): StreamCamera {
  const c = new StreamCamera({
    source: { kind: 'file', path: video, loop: true },
    width: 320,
    height: 240,
    fps: 15,
    timeoutMs: 5000,
    maxFrameBytes: 4 << 20,
    restartInitialMs: 250,
    restartMaxMs: 10_000,
    ffmpegPath: 'ffmpeg',
    rpicamPath: 'rpicam-vid',
    clock: systemClock,
    ...overrides,
  });
  cameras.push(c);
  return c;
}

function fakeDevice(overrides: Partial<StreamCameraOptions> = {}): { cam: StreamCamera; dev: string } {
  const dev = join(work, `video-${Math.random().toString(36).slice(2)}`);
  process.env.FAKE_FFMPEG_FRAME = FRAME;
  return { cam: camera({ source: { kind: 'v4l2', device: dev }, ffmpegPath: FAKE, ...overrides }), dev };
}

function stateWaiter(cam: StreamCamera) {
  const seen: CameraState[] = [];
  cam.onState((s) => seen.push(s));
  return {
    seen,
    until: (s: CameraState, ms = 10_000) =>
      new Promise<void>((res, rej) => {
        if (cam.state === s) return res();
        const t = setTimeout(() => rej(new Error(`state ${s} not reached; saw ${seen.join(',')}`)), ms);
        const off = cam.onState((now) => {
          if (now !== s) return;
          clearTimeout(t);
          off();
          res();
        });
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

cameraContract('stream over a video file (real ffmpeg)', async () => camera(), { width: 320, height: 240 });
cameraContract(
  'stream over a V4L2 device (fake ffmpeg)',
  async () => {
    const { cam, dev } = fakeDevice({ width: 640, height: 480 });
    await writeFile(dev, '');
    return cam;
  },
  { width: 640, height: 480 },
);

describe('streaming camera', () => {
  it('passes V4L2 MJPEG through one ffmpeg, size and rate from config', () => {
    const cam = camera({ source: { kind: 'v4l2', device: '/dev/video2' }, width: 1280, height: 720, fps: 30 });
    const { args } = cam.command();
    expect(args.join(' ')).toContain(
      '-f v4l2 -input_format mjpeg -video_size 1280x720 -framerate 30 -i /dev/video2 -c:v copy',
    );
    expect(args.slice(-3)).toEqual(['-f', 'mjpeg', 'pipe:1']);
    const pi = camera({ source: { kind: 'rpicam', camera: 0 }, width: 640, height: 480, fps: 15 }).command();
    expect(pi.program).toBe('rpicam-vid');
    expect(pi.args.join(' ')).toContain('--codec mjpeg --width 640 --height 480 --framerate 15');
    expect(pi.args.slice(-4)).toEqual(['-t', '0', '-o', '-']);
  });

  it('streams decodable frames from a face video, each with its size and time', async () => {
    const cam = camera();
    const seen: CameraFrame[] = [];
    cam.onFrame((f) => seen.push(f));
    await cam.start();
    const frames = [await cam.grab(), await cam.grab(), await cam.grab()];
    for (const f of frames) {
      const { info } = await sharp(f.jpeg).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([320, 240]);
    }
    expect(frames[1]!.at).toBeGreaterThan(frames[0]!.at);
    expect(frames[2]!.at).toBeGreaterThan(frames[1]!.at);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(cam.state).toBe('streaming');
  });

  it('fills the frame from a video of another shape: fitted whole, edges repeated, no black bars', async () => {
    // White 16:9 and portrait videos played into a 4:3 frame: padding would leave black bars
    // (which the passive liveness model reads as a print's or a screen's border).
    for (const size of ['640x360', '360x640']) {
      const file = join(work, `white-${size}.avi`);
      await new Promise<void>((done, fail) =>
        spawn('ffmpeg', [
          '-loglevel',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          `color=c=white:size=${size}:rate=15`,
          '-t',
          '1',
          '-c:v',
          'mjpeg',
          file,
        ])
          .on('error', fail)
          .on('close', (code) => (code === 0 ? done() : fail(new Error(`ffmpeg exited ${code}`)))),
      );
      const cam = camera({ source: { kind: 'file', path: file, loop: true } });
      await cam.start();
      const edges = await edgeLuma((await cam.grab()).jpeg);
      for (const [side, luma] of Object.entries(edges)) expect(luma, `${size} ${side}`).toBeGreaterThan(240);
      await cam.stop();
    }
    // Fitted whole, not cropped: a portrait video's red top band is still in the frame, and its
    // edge repeated sideways fills the corners (a crop from the middle would lose it).
    const banded = join(work, 'banded.avi');
    const band = 'color=c=white:size=360x640:rate=15,drawbox=x=0:y=0:w=360:h=40:color=red:t=fill';
    await new Promise<void>((done, fail) =>
      spawn('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', band, '-t', '1', '-c:v', 'mjpeg', banded])
        .on('error', fail)
        .on('close', (code) => (code === 0 ? done() : fail(new Error(`ffmpeg exited ${code}`)))),
    );
    const cam = camera({ source: { kind: 'file', path: banded, loop: true } });
    await cam.start();
    const { data, info } = await sharp((await cam.grab()).jpeg)
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (const x of [2, info.width / 2, info.width - 3]) {
      const at = (4 * info.width + x) * info.channels; // row 4
      expect([data[at]! > 180, data[at + 1]! < 90], `column ${x}`).toEqual([true, true]);
    }
  });

  it('gives a slow consumer the newest frame only, never a stale or repeated one', async () => {
    const cam = camera();
    const seen: CameraFrame[] = [];
    cam.onFrame((f) => seen.push(f));
    await cam.start();
    const first = await cam.grab();
    await sleep(600); // a slow analysis: about 9 frames arrive meanwhile
    const second = await cam.grab();
    const newest = seen.at(-1)!;
    expect(second.jpeg).toBe(newest.jpeg);
    const skipped = seen.filter((f) => f.at > first.at && f.at < second.at).length;
    expect(skipped).toBeGreaterThanOrEqual(3);
    // The frame just handed out is not handed out again: the next grab waits for a new one.
    const third = await cam.grab();
    expect(third.at).toBeGreaterThan(second.at);
  });

  it('starts the capture process again after it is killed, with a growing backoff', async () => {
    const log = join(work, 'starts.log');
    process.env.FAKE_FFMPEG_LOG = log;
    const { cam, dev } = fakeDevice({ restartInitialMs: 100, restartMaxMs: 400 });
    await writeFile(dev, '');
    const states = stateWaiter(cam);
    await cam.start();
    await cam.grab();
    const pid = (cam as unknown as { child: { pid: number } }).child.pid;
    process.kill(pid, 'SIGKILL');
    await states.until('restarting');
    await states.until('streaming');
    expect((await cam.grab()).jpeg.length).toBeGreaterThan(0);

    // A process that exits at once, again and again: 100, 200, 400, 400 ms between starts, then 'failed'.
    process.env.FAKE_FFMPEG_MODE = 'fail';
    await writeFile(log, '');
    process.kill((cam as unknown as { child: { pid: number } }).child.pid, 'SIGKILL');
    await states.until('failed');
    await expect(cam.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_FAILED' });
    await sleep(1300);
    const starts = (await readFile(log, 'utf8')).trim().split('\n').map(Number);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    expect(Math.max(...gaps)).toBeLessThan(1000); // capped at restartMaxMs (plus start-up)

    // Fixed: frames flow again and the camera says so.
    delete process.env.FAKE_FFMPEG_MODE;
    await states.until('streaming');
    expect((await cam.grab()).width).toBe(640); // the fake's frame
  });

  it('reports an unplugged device, fails grabs with a coded error, and recovers on replug', async () => {
    const { cam, dev } = fakeDevice({ restartInitialMs: 50, restartMaxMs: 200 });
    await writeFile(dev, '');
    const states = stateWaiter(cam);
    await cam.start();
    await cam.grab();
    await rm(dev);
    await states.until('unplugged');
    await expect(cam.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_UNPLUGGED' });
    await writeFile(dev, '');
    await states.until('streaming');
    expect((await cam.grab()).jpeg[0]).toBe(0xff);
  });

  it('plays a video to its end once when not looping, then says so', async () => {
    const short = join(work, 'short.avi');
    await makeVideo(short, { seconds: 0.5, fps: 15, width: 160, height: 120 });
    const cam = camera({ source: { kind: 'file', path: short, loop: false }, width: 160, height: 120 });
    const states = stateWaiter(cam);
    let frames = 0;
    cam.onFrame(() => frames++);
    await cam.start();
    await states.until('ended');
    expect(frames).toBeGreaterThanOrEqual(6);
    await expect(cam.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_ENDED' });
  });

  it('fails a grab with a timeout when no frame comes', async () => {
    const { cam, dev } = fakeDevice();
    await writeFile(dev, '');
    process.env.FAKE_FFMPEG_MODE = 'fail';
    await cam.start();
    await expect(cam.grab({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_TIMEOUT' });
  });
});
