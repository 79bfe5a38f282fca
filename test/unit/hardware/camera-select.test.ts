import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CameraConfig } from '../../../device/config/sections/hardware.js';
import { selectCamera } from '../../../device/hardware/select.js';
import { ManualClock } from '../../../device/core/clock.js';

const FAKE_FFMPEG = resolve('test/fixtures/fake-ffmpeg/ffmpeg');
const FAKE_FSWEBCAM = resolve('test/fixtures/fake-fswebcam/fswebcam');
const DEMO = resolve('test/fixtures/demo');

async function pick(overrides: Record<string, unknown>) {
  const c = Value.Default(CameraConfig, { ...overrides }) as Record<string, unknown>;
  return selectCamera(c as never, DEMO, new ManualClock());
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

  it('the simulator streams simVideo through the same adapter, else plays the folder', async () => {
    const video = await pick({ mode: 'sim', simVideo: '/some/video.avi', ffmpegPath: FAKE_FFMPEG });
    expect(video.camera.info).toMatchObject({ kind: 'sim', adapter: 'ffmpeg-file', description: '/some/video.avi' });
    const folder = await pick({ mode: 'sim' });
    expect(folder.camera.info.adapter).toBe('folder');
  });
});
