import { readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { detectGpioBase, type GpioChip } from '../device/hardware/leds/gpio-base.js';

/** Where the scan looks; tests point every root at a fixture tree. */
export interface ScanRoots {
  devDir: string;
  /** /sys/class/video4linux */
  sysVideo: string;
  /** /dev/serial/by-id */
  serialById: string;
  /** /sys/class/gpio */
  sysGpio: string;
}

export interface FoundCamera {
  device: string;
  name: string;
}

export interface FoundSerial {
  /** The stable /dev/serial/by-id path (survives re-plugging into another port). */
  path: string;
  /** What it points at now, e.g. /dev/ttyUSB0. */
  target: string;
}

export interface HardwareScan {
  cameras: FoundCamera[];
  serial: FoundSerial[];
  gpio: GpioChip | null;
}

export function scanRoots(env: NodeJS.ProcessEnv = process.env): ScanRoots {
  return {
    devDir: env.BOOTH_DEV_DIR ?? '/dev',
    sysVideo: env.BOOTH_SYSFS_VIDEO ?? '/sys/class/video4linux',
    serialById: env.BOOTH_SERIAL_BY_ID ?? '/dev/serial/by-id',
    sysGpio: env.BOOTH_SYSFS_GPIO ?? '/sys/class/gpio',
  };
}

const readTrim = (path: string) =>
  readFile(path, 'utf8').then(
    (s) => s.trim(),
    () => '',
  );

/**
 * V4L2 capture devices. A USB camera registers several /dev/videoN nodes (capture and metadata);
 * sysfs `index` 0 is the capture node, so only those are offered.
 */
export async function scanCameras(roots: ScanRoots): Promise<FoundCamera[]> {
  const names = await readdir(roots.devDir).catch(() => [] as string[]);
  const found: FoundCamera[] = [];
  for (const n of names.filter((x) => /^video\d+$/.test(x)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
    const index = await readTrim(join(roots.sysVideo, n, 'index'));
    if (index !== '' && index !== '0') continue;
    found.push({ device: join(roots.devDir, n), name: (await readTrim(join(roots.sysVideo, n, 'name'))) || n });
  }
  return found;
}

export async function scanSerial(roots: ScanRoots): Promise<FoundSerial[]> {
  const names = await readdir(roots.serialById).catch(() => [] as string[]);
  const found: FoundSerial[] = [];
  for (const n of names.sort()) {
    const path = join(roots.serialById, n);
    found.push({ path, target: await realpath(path).catch(() => path) });
  }
  return found;
}

export async function scanHardware(roots: ScanRoots = scanRoots()): Promise<HardwareScan> {
  const [cameras, serial, gpio] = await Promise.all([
    scanCameras(roots),
    scanSerial(roots),
    detectGpioBase(roots.sysGpio),
  ]);
  return { cameras, serial, gpio };
}
