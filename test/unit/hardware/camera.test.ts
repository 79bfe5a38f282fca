import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FswebcamCamera } from '../../../device/hardware/camera/fswebcam.js';
import { FolderCamera } from '../../../device/hardware/camera/folder.js';
import { ManualClock } from '../../../device/core/clock.js';
import { cameraContract } from '../../helpers/camera-contract.js';
import { edgeLuma } from '../../helpers/frame-edges.js';
import sharp from 'sharp';

const FAKE = resolve('test/fixtures/fake-fswebcam/fswebcam');
const DEMO = resolve('test/fixtures/demo/camera');
const IMAGE = join(DEMO, 'frame-1.jpg');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'booth-cam-'));
});

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('FAKE_FSWEBCAM')) delete process.env[k];
  Object.assign(process.env, saved);
});

function camera(overrides: Partial<ConstructorParameters<typeof FswebcamCamera>[0]> = {}) {
  return new FswebcamCamera({
    device: '/dev/video0',
    width: 640,
    height: 480,
    timeoutMs: 3000,
    skipFrames: 2,
    jpegQuality: 90,
    title: '',
    fswebcamPath: FAKE,
    clock: new ManualClock(),
    ...overrides,
  });
}

function fake(mode: string): void {
  process.env.FAKE_FSWEBCAM_MODE = mode;
  process.env.FAKE_FSWEBCAM_IMAGE = IMAGE;
}

cameraContract(
  'fswebcam over a fake fswebcam',
  async () => {
    fake('ok');
    return camera();
  },
  { width: 640, height: 480 },
);
cameraContract(
  'folder simulator',
  async () => new FolderCamera({ source: DEMO, width: 320, height: 240, clock: new ManualClock() }),
  {
    width: 320,
    height: 240,
  },
);

describe('FswebcamCamera', () => {
  it('returns the frame fswebcam writes to stdout', async () => {
    fake('ok');
    const cam = camera();
    await cam.start();
    const frame = await cam.grab();
    expect(frame.jpeg.equals(await readFile(IMAGE))).toBe(true);
  });

  it('writes no image file: the frame goes through stdout', async () => {
    fake('ok');
    process.env.FAKE_FSWEBCAM_LOG = join(work, 'args-stdout.txt');
    const cam = camera();
    await cam.start();
    await cam.grab();
    const args = (await readFile(process.env.FAKE_FSWEBCAM_LOG, 'utf8')).trim().split('\n');
    expect(args.at(-1)).toBe('-');
  });

  it('reports a non-zero exit with fswebcam’s message', async () => {
    fake('fail');
    const cam = camera();
    await cam.start();
    await expect(cam.grab()).rejects.toMatchObject({
      code: 'BOOTH_ERR_CAMERA_FAILED',
      message: expect.stringContaining('No such file or directory'),
    });
  });

  it('kills a hung fswebcam at the timeout', async () => {
    fake('hang');
    const pidFile = join(work, 'hang.pid');
    process.env.FAKE_FSWEBCAM_PID = pidFile;
    const cam = camera({ timeoutMs: 300 });
    await cam.start();
    await expect(cam.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_TIMEOUT' });
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    // The child is reaped shortly after SIGKILL.
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it.each([
    ['empty', /no bytes/],
    ['text', /expected a JPEG image.*Opening \/dev\/video0/],
    ['truncated', /does not decode/],
  ])('refuses %s output that exits 0', async (mode, message) => {
    fake(mode);
    const cam = camera();
    await cam.start();
    await expect(cam.grab()).rejects.toMatchObject({
      code: 'BOOTH_ERR_CAMERA_BAD_IMAGE',
      message: expect.stringMatching(message),
    });
  });

  it('passes a hostile title as one inert argument', async () => {
    fake('ok');
    const canary = join(work, 'canary');
    const canary2 = join(work, 'canary2');
    const title = `x; rm -rf / ; touch ${canary} $(touch ${canary2}) \`touch ${canary2}\``;
    process.env.FAKE_FSWEBCAM_LOG = join(work, 'args.txt');
    const cam = camera({ title });
    await cam.start();
    await cam.grab();
    const args = (await readFile(process.env.FAKE_FSWEBCAM_LOG, 'utf8')).split('\n');
    expect(args[args.indexOf('--title') + 1]).toBe(title);
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(canary2)).toBe(false);
    expect(await readdir(work)).not.toContain('canary');
  });

  it('reports a missing program clearly', async () => {
    const cam = camera({ fswebcamPath: join(work, 'no-such-fswebcam') });
    await cam.start();
    await expect(cam.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_FAILED', message: /cannot run/ });
  });
});

describe('FolderCamera', () => {
  it('loops over the frames of a folder in name order', async () => {
    const cam = new FolderCamera({ source: DEMO, width: 160, height: 120, clock: new ManualClock() });
    await cam.start();
    const frames = [];
    for (let i = 0; i < 4; i++) frames.push((await cam.grab()).jpeg);
    expect(frames[3]?.equals(frames[0] as Buffer)).toBe(true);
    expect(frames[1]?.equals(frames[0] as Buffer)).toBe(false);
  });

  it('plays a sequence file listing images relative to itself', async () => {
    const seq = join(work, 'seq.txt');
    await writeFile(seq, `# two frames\n${IMAGE}\n${IMAGE}\n`);
    const cam = new FolderCamera({ source: seq, width: 160, height: 120, clock: new ManualClock() });
    await cam.start();
    expect((await cam.grab()).width).toBe(160);
  });

  it('fills the frame with a photo of another shape: no black bars (the passive model reads them as a border)', async () => {
    // A white portrait photo and a white wide one, each framed at 4:3.
    for (const [w, h] of [
      [300, 600],
      [800, 300],
    ] as const) {
      const folder = await mkdtemp(join(work, `white-${w}x${h}-`));
      await sharp({ create: { width: w, height: h, channels: 3, background: '#fff' } })
        .png()
        .toFile(join(folder, 'frame.png'));
      const cam = new FolderCamera({ source: folder, width: 160, height: 120, clock: new ManualClock() });
      await cam.start();
      const edges = await edgeLuma((await cam.grab()).jpeg);
      for (const [side, luma] of Object.entries(edges)) expect(luma, `${w}x${h} ${side}`).toBeGreaterThan(240);
    }
  });

  it('refuses an empty folder and a non-image file with a clear error', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'booth-empty-'));
    await expect(
      new FolderCamera({ source: empty, width: 160, height: 120, clock: new ManualClock() }).start(),
    ).rejects.toMatchObject({
      code: 'BOOTH_ERR_CAMERA_FAILED',
    });
    const bogus = join(empty, 'not-an-image.jpg');
    await writeFile(bogus, 'hello');
    await expect(
      new FolderCamera({ source: empty, width: 160, height: 120, clock: new ManualClock() }).start(),
    ).rejects.toMatchObject({
      code: 'BOOTH_ERR_CAMERA_BAD_IMAGE',
    });
  });
});
