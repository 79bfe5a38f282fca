import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CameraConfig } from '../../../device/config/sections/hardware.js';
import { selectCamera } from '../../../device/hardware/select.js';
import { ManualClock } from '../../../device/core/clock.js';

const FAKE_FFMPEG = resolve('test/fixtures/fake-ffmpeg/ffmpeg');
const FAKE_FSWEBCAM = resolve('test/fixtures/fake-fswebcam/fswebcam');
const DEMO = resolve('test/fixtures/demo');

async function pick(overrides: Record<string, unknown>, sysVideo?: string) {
  const c = Value.Default(CameraConfig, { ...overrides }) as Record<string, unknown>;
  return selectCamera(c as never, DEMO, new ManualClock(), sysVideo);
}

/** An rpicam-vid that answers --list-cameras as Raspberry Pi OS Bookworm's does. */
async function fakeRpicam(listing: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'booth-rpicam-')), 'rpicam-vid');
  await writeFile(path, `#!/bin/sh\n[ "$1" = --list-cameras ] && printf '%s' '${listing}'\nexit 0\n`);
  await chmod(path, 0o755);
  return path;
}
const PI_CAMERA =
  'Available cameras\n-----------------\n0 : imx708 [4608x2592 10-bit RGGB] (/base/soc/i2c0mux/i2c@1/imx708@1a)\n';

/** A /dev node `video0` and its sysfs class entry, bound to `driver`. */
async function fakeV4l2(driver: string): Promise<{ device: string; sysVideo: string }> {
  const root = await mkdtemp(join(tmpdir(), 'booth-v4l2-'));
  const device = join(root, 'video0');
  await writeFile(device, '');
  await mkdir(join(root, 'drivers', driver), { recursive: true });
  await mkdir(join(root, 'class', 'video0', 'device'), { recursive: true });
  await symlink(join(root, 'drivers', driver), join(root, 'class', 'video0', 'device', 'driver'));
  return { device, sysVideo: join(root, 'class') };
}

describe('camera selection', () => {
  it('streams a present V4L2 device through ffmpeg when ffmpeg is installed', async () => {
    const dev = join(await mkdtemp(join(tmpdir(), 'booth-sel-')), 'video0');
    await writeFile(dev, '');
    const { camera, choice } = await pick({ device: dev, ffmpegPath: FAKE_FFMPEG, fswebcamPath: FAKE_FSWEBCAM });
    expect(camera.info.adapter).toBe('ffmpeg-v4l2');
    expect(choice.chosen).toBe('real');
  });

  it('falls back to fswebcam when ffmpeg is not installed', async () => {
    const dev = join(await mkdtemp(join(tmpdir(), 'booth-sel-')), 'video0');
    await writeFile(dev, '');
    const { camera } = await pick({ device: dev, ffmpegPath: '/nonexistent/ffmpeg', fswebcamPath: FAKE_FSWEBCAM });
    expect(camera.info.adapter).toBe('fswebcam');
    const forced = await pick({
      device: dev,
      driver: 'fswebcam',
      ffmpegPath: FAKE_FFMPEG,
      fswebcamPath: FAKE_FSWEBCAM,
    });
    expect(forced.camera.info.adapter).toBe('fswebcam');
  });

  it('drives a Pi camera with rpicam-vid when configured, and says when it is missing', async () => {
    const { camera, choice } = await pick({ driver: 'rpicam', rpicamPath: FAKE_FFMPEG, mode: 'real' });
    expect(camera.info.adapter).toBe('rpicam-vid');
    expect(choice.reason).toContain('Pi camera 0');
    const auto = await pick({ driver: 'rpicam', rpicamPath: '/nonexistent/rpicam-vid' });
    expect(auto.choice).toMatchObject({
      chosen: 'sim',
      reason: 'auto: /nonexistent/rpicam-vid not installed, using the simulator',
    });
  });

  it('auto takes a Pi camera that rpicam-vid lists, unless a USB webcam is at the device', async () => {
    // Bookworm: the Pi camera's /dev/video0 is the unicam node (raw Bayer); ffmpeg cannot use it.
    const rpicam = await fakeRpicam(PI_CAMERA);
    const unicam = await fakeV4l2('unicam');
    const pi = await pick({ device: unicam.device, rpicamPath: rpicam, ffmpegPath: FAKE_FFMPEG }, unicam.sysVideo);
    expect(pi.camera.info.adapter).toBe('rpicam-vid');
    expect(pi.choice).toMatchObject({ chosen: 'real', reason: `auto: Pi camera 0 with ${rpicam}` });
    const usb = await fakeV4l2('uvcvideo');
    const webcam = await pick({ device: usb.device, rpicamPath: rpicam, ffmpegPath: FAKE_FFMPEG }, usb.sysVideo);
    expect(webcam.camera.info.adapter).toBe('ffmpeg-v4l2');
    // Camera 1 is not listed; rpicam-vid without a camera: the V4L2 path as before.
    const other = await pick(
      { device: unicam.device, rpicamPath: rpicam, rpicamCamera: 1, ffmpegPath: FAKE_FFMPEG },
      unicam.sysVideo,
    );
    expect(other.camera.info.adapter).toBe('ffmpeg-v4l2');
    const none = await fakeRpicam('No cameras available!\n');
    const noCam = await pick({ device: '/nonexistent/video0', rpicamPath: none, ffmpegPath: FAKE_FFMPEG });
    expect(noCam.choice).toMatchObject({ chosen: 'sim' });
  });

  it('the simulator streams simVideo through the same adapter, else plays the folder', async () => {
    const video = await pick({ mode: 'sim', simVideo: '/some/video.avi', ffmpegPath: FAKE_FFMPEG });
    expect(video.camera.info).toMatchObject({ kind: 'sim', adapter: 'ffmpeg-file', description: '/some/video.avi' });
    const folder = await pick({ mode: 'sim' });
    expect(folder.camera.info.adapter).toBe('folder');
  });
});
