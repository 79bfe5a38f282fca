import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { stat } from 'node:fs/promises';

/**
 * Every host path the booth touches comes from here, each overridable by an environment
 * variable so tests point the booth at fixture trees instead of the real /sys or /dev.
 */
const parentOfDevice = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The project's root folder. Compiled files live in dist/device/, sources in device/. */
export function projectDir(): string {
  return parentOfDevice.endsWith('/dist') ? dirname(parentOfDevice) : parentOfDevice;
}

export interface HostPaths {
  configFile: string;
  sysGpio: string;
  /** sysfs class of V4L2 devices: tells a USB (UVC) webcam from a Pi camera's nodes. */
  sysVideo: string;
  devDir: string;
  serialById: string;
  modelsDir: string;
  uiDir: string;
  fixturesDir: string;
  /** Where the simulated tablet's socat pseudo-terminal links live (one folder per process). */
  simTabletDir: string;
  /** procfs: boot id and process start times for the data-directory lock. */
  procDir: string;
}

export function hostPaths(env: NodeJS.ProcessEnv = process.env): HostPaths {
  const root = projectDir();
  return {
    configFile: env.BOOTH_CONFIG_DEFAULT ?? '/etc/booth/booth.json',
    sysGpio: env.BOOTH_SYSFS_GPIO ?? '/sys/class/gpio',
    sysVideo: env.BOOTH_SYSFS_VIDEO ?? '/sys/class/video4linux',
    devDir: env.BOOTH_DEV_DIR ?? '/dev',
    serialById: env.BOOTH_SERIAL_BY_ID ?? '/dev/serial/by-id',
    modelsDir: env.BOOTH_MODELS_DIR ?? join(root, 'models'),
    uiDir: join(root, 'device', 'ui'),
    fixturesDir: join(root, 'test', 'fixtures'),
    simTabletDir: env.BOOTH_SIM_TABLET_DIR ?? join(tmpdir(), `booth-tablet-${process.pid}`),
    procDir: env.BOOTH_PROC_DIR ?? '/proc',
  };
}

/** Whether something exists at `path` (file, folder or device node); false on any error. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
