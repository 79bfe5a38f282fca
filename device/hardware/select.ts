import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { BoothConfig } from '../config/schema.js';
import type { Camera, Clock, Leds, Tablet } from '../core/ports.js';
import { exists, hostPaths } from '../paths.js';
import { FswebcamCamera } from './camera/fswebcam.js';
import { FolderCamera } from './camera/folder.js';
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

  const fswebcam = await findProgram(hw.camera.fswebcamPath);
  const videoPresent = await exists(hw.camera.device);
  const cameraChoice = decide(
    'camera',
    hw.camera.mode,
    videoPresent && fswebcam !== null,
    !videoPresent
      ? `${hw.camera.device} not present`
      : fswebcam
        ? `${hw.camera.device} with ${fswebcam}`
        : 'fswebcam not installed',
  );
  const camera: Camera =
    cameraChoice.chosen === 'real'
      ? new FswebcamCamera({ ...hw.camera, fswebcamPath: fswebcam ?? hw.camera.fswebcamPath, clock })
      : new FolderCamera({
          source: hw.camera.simFolder || join(demo, 'camera'),
          width: hw.camera.width,
          height: hw.camera.height,
          clock,
        });

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
