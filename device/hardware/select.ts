import { execFile } from 'node:child_process';
import { access, constants, realpath } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { BoothConfig } from '../config/schema.js';
import type { Static } from '@sinclair/typebox';
import type { CameraConfig } from '../config/sections/hardware.js';
import type { Camera, Clock, Leds, Tablet } from '../core/ports.js';
import { exists, hostPaths } from '../paths.js';
import { FswebcamCamera } from './camera/fswebcam.js';
import { FolderCamera } from './camera/folder.js';
import { StreamCamera } from './camera/stream.js';
import { SerialTablet } from './tablet/serial.js';
import { ReplayTablet } from './tablet/replay.js';
import { SimSerialTablet } from './tablet/sim-serial.js';
import { GpioLeds } from './leds/gpio.js';
import { sysfsGpioAccess } from './leds/sysfs-line.js';
import { MemoryLeds } from './leds/memory.js';
import { detectGpioBase } from './leds/gpio-base.js';

export interface HardwareChoice {
  device: 'camera' | 'tablet' | 'leds';
  mode: 'real' | 'sim' | 'auto';
  chosen: 'real' | 'sim';
  reason: string;
}

export interface Hardware {
  camera: Camera;
  tablet: Tablet;
  leds: Leds;
  choices: HardwareChoice[];
}

/** Finds a program on PATH (or checks an absolute path) without running it. */
export async function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

function decide(
  device: HardwareChoice['device'],
  mode: HardwareChoice['mode'],
  present: boolean,
  why: string,
): HardwareChoice {
  if (mode === 'sim') return { device, mode, chosen: 'sim', reason: 'configured sim' };
  if (mode === 'real') return { device, mode, chosen: 'real', reason: `configured real (${why})` };
  return {
    device,
    mode,
    chosen: present ? 'real' : 'sim',
    reason: present ? `auto: ${why}` : `auto: ${why}, using the simulator`,
  };
}

/**
 * Builds the three hardware adapters from config. `auto` picks the real device when it is
 * present and says why in the returned choices (logged at start and shown by doctor).
 * Constructing adapters does no I/O; start() does.
 */
export async function selectHardware(config: BoothConfig, clock: Clock, warn: (m: string) => void): Promise<Hardware> {
  const paths = hostPaths();
  const hw = config.hardware;
  const demo = join(paths.fixturesDir, 'demo');

  const { camera, choice: cameraChoice } = await selectCamera(hw.camera, demo, clock, paths.sysVideo);

  const serialPresent = await exists(hw.tablet.path);
  const tabletChoice = decide(
    'tablet',
    hw.tablet.mode,
    serialPresent,
    serialPresent ? `${hw.tablet.path} present` : `${hw.tablet.path} not present`,
  );
  let tablet: Tablet;
  if (tabletChoice.chosen === 'real') {
    const { autoDetect } = await import('@serialport/bindings-cpp');
    tablet = new SerialTablet({ ...hw.tablet, binding: autoDetect(), clock, warn });
  } else {
    const file = hw.tablet.simFile || join(demo, 'tablet', 'signature.isdv4');
    // With socat, the simulator is a real pseudo-terminal read by the real serial adapter.
    const socat = await findProgram('socat');
    if (socat) {
      const { autoDetect } = await import('@serialport/bindings-cpp');
      tablet = new SimSerialTablet({
        ...hw.tablet,
        socatPath: socat,
        dir: paths.simTabletDir,
        file,
        binding: autoDetect(),
        clock,
        warn,
      });
    } else {
      tablet = new ReplayTablet({ file, baudRate: hw.tablet.baudRate, clock });
    }
  }

  let ledsPresent = false;
  let ledsWhy: string;
  const chip = await detectGpioBase(paths.sysGpio, hw.leds.chipLabel);
  if (!chip) ledsWhy = `no GPIO chip under ${paths.sysGpio}`;
  else if (hw.leds.mode === 'sim') ledsWhy = 'sim';
  else {
    const access = await sysfsGpioAccess(paths.sysGpio);
    ledsPresent = 'ok' in access;
    ledsWhy = 'error' in access ? access.error : `${chip.label} base ${chip.base}`;
  }
  const ledsChoice = decide('leds', hw.leds.mode, ledsPresent, ledsWhy);
  const leds: Leds =
    ledsChoice.chosen === 'real'
      ? new GpioLeds({ ...hw.leds, sysfsGpioRoot: paths.sysGpio })
      : new MemoryLeds(hw.leds.blinkMs);

  return { camera, tablet, leds, choices: [cameraChoice, tabletChoice, ledsChoice] };
}

/** Whether the V4L2 device is a USB Video Class webcam (its sysfs driver is uvcvideo). */
export async function isUvcDevice(device: string, sysVideo: string): Promise<boolean> {
  try {
    const node = basename(await realpath(device));
    return basename(await realpath(join(sysVideo, node, 'device', 'driver'))) === 'uvcvideo';
  } catch {
    return false;
  }
}

/**
 * Whether `rpicam-vid --list-cameras` lists camera `index` ("0 : imx708 [4608x2592 ...]").
 * Asked only when no USB webcam is configured: libcamera takes about a second to answer.
 */
export async function listsPiCamera(program: string, index: number): Promise<boolean> {
  const listed = new RegExp(`^\\s*${index}\\s*:\\s*\\S`);
  try {
    const { stdout, stderr } = await promisify(execFile)(program, ['--list-cameras'], { timeout: 10_000 });
    return `${stdout}\n${stderr}`.split('\n').some((line) => listed.test(line));
  } catch {
    return false;
  }
}

/**
 * The camera: a streaming driver (ffmpeg over V4L2, rpicam-vid) when its program is installed,
 * fswebcam (one process per frame) as the fallback; the simulator streams `simVideo` through
 * the same streaming adapter when ffmpeg is there, else plays the image folder. `auto` takes a
 * USB webcam at `device` first, then a Pi camera that rpicam-vid lists (on Raspberry Pi OS
 * Bookworm a Pi camera's /dev/video* nodes give raw Bayer frames that ffmpeg cannot use), then
 * ffmpeg or fswebcam on `device`.
 */
export async function selectCamera(
  c: Static<typeof CameraConfig>,
  demoDir: string,
  clock: Clock,
  sysVideo = hostPaths().sysVideo,
): Promise<{ camera: Camera; choice: HardwareChoice }> {
  const ffmpeg = await findProgram(c.ffmpegPath);
  const mayBePi =
    c.driver === 'rpicam' || (c.driver === 'auto' && c.mode !== 'sim' && !(await isUvcDevice(c.device, sysVideo)));
  const rpicam = mayBePi ? await findProgram(c.rpicamPath) : null;
  const piCamera =
    c.driver === 'rpicam' || (c.driver === 'auto' && rpicam !== null && (await listsPiCamera(rpicam, c.rpicamCamera)));
  const stream = (source: ConstructorParameters<typeof StreamCamera>[0]['source'], program: string) =>
    new StreamCamera({
      ...c,
      source,
      ffmpegPath: source.kind === 'rpicam' ? c.ffmpegPath : program,
      rpicamPath: source.kind === 'rpicam' ? program : c.rpicamPath,
      clock,
    });
  let present: boolean;
  let why: string;
  let real: () => Camera;
  if (piCamera) {
    present = rpicam !== null;
    why = rpicam ? `Pi camera ${c.rpicamCamera} with ${rpicam}` : `${c.rpicamPath} not installed`;
    real = () => stream({ kind: 'rpicam', camera: c.rpicamCamera }, rpicam ?? c.rpicamPath);
  } else {
    const videoPresent = await exists(c.device);
    const fswebcam = c.driver === 'ffmpeg' ? null : await findProgram(c.fswebcamPath);
    const useFfmpeg = c.driver === 'ffmpeg' || (c.driver === 'auto' && ffmpeg !== null);
    const program = useFfmpeg ? ffmpeg : fswebcam;
    present = videoPresent && program !== null;
    why = !videoPresent
      ? `${c.device} not present`
      : program
        ? `${c.device} with ${program}`
        : `${useFfmpeg ? c.ffmpegPath : 'fswebcam'} not installed`;
    real = useFfmpeg
      ? () => stream({ kind: 'v4l2', device: c.device }, ffmpeg ?? c.ffmpegPath)
      : () => new FswebcamCamera({ ...c, fswebcamPath: fswebcam ?? c.fswebcamPath, clock });
  }
  const choice = decide('camera', c.mode, present, why);
  if (choice.chosen === 'real') return { camera: real(), choice };
  if (c.simVideo && ffmpeg) return { camera: stream({ kind: 'file', path: c.simVideo, loop: true }, ffmpeg), choice };
  return {
    camera: new FolderCamera({
      source: c.simFolder || join(demoDir, 'camera'),
      width: c.width,
      height: c.height,
      fps: c.fps,
      clock,
    }),
    choice,
  };
}
