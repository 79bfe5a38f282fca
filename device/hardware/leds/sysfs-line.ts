import { access, constants, writeFile } from 'node:fs/promises';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoothError } from '../../../protocol/errors.js';

/**
 * One output line driven through the kernel's sysfs GPIO files, in plain `fs` calls.
 *
 * This replaces `onoff`: onoff needs `epoll`, a native addon with no prebuilt binaries, so
 * `npm ci` on a Pi needed a compiler and Node's headers from the internet (issue 14). An output
 * LED needs none of epoll's interrupt machinery: export, direction, active_low and value are
 * files. The interface is the part of onoff's `Gpio` the LEDs used (writeSync, unexport).
 */
export interface GpioLine {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

export interface SysfsLineOptions {
  /** /sys/class/gpio, or a fake tree in tests. */
  root: string;
  /** The sysfs number: chip base + line (512 + 17 on a Pi 4 under kernel 6.6). */
  number: number;
  activeLow: boolean;
  /**
   * How long to wait for udev to hand the exported line's files to the gpio group: right after
   * `export` they exist but belong to root for a few tens of ms.
   */
  settleMs?: number;
}

const POLL_MS = 10;

async function writable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export class SysfsGpioLine implements GpioLine {
  private fd: number | null;

  private constructor(
    private readonly root: string,
    readonly number: number,
    fd: number,
    private readonly exportedByUs: boolean,
  ) {
    this.fd = fd;
  }

  static async open(options: SysfsLineOptions): Promise<SysfsGpioLine> {
    const { root, number, activeLow } = options;
    const dir = join(root, `gpio${number}`);
    let exportedByUs = false;
    if (!(await writable(join(dir, 'direction')))) {
      if (!(await writable(join(dir, 'value')))) {
        try {
          await writeFile(join(root, 'export'), String(number));
          exportedByUs = true;
        } catch (err) {
          // EBUSY: already exported (by us in an earlier run, or by another process).
          if ((err as NodeJS.ErrnoException).code !== 'EBUSY') {
            throw new BoothError(
              'BOOTH_ERR_LEDS_UNAVAILABLE',
              `cannot export GPIO ${number}: ${(err as Error).message}`,
            );
          }
        }
      }
      const deadline = Date.now() + (options.settleMs ?? 2000);
      while (!(await writable(join(dir, 'direction')))) {
        if (Date.now() >= deadline) {
          throw new BoothError(
            'BOOTH_ERR_LEDS_UNAVAILABLE',
            `GPIO ${number}: ${join(dir, 'direction')} did not become writable (expected the gpio group's udev rule, systemd/99-booth.rules)`,
          );
        }
        await sleep(POLL_MS);
      }
    }
    // active_low before direction: "out" sets the logical value 0 (off) through gpiod, so an
    // active-low LED does not flash on at start ("low"/"high" would set the raw level).
    await writeFile(join(dir, 'active_low'), activeLow ? '1' : '0');
    await writeFile(join(dir, 'direction'), 'out');
    const fd = openSync(join(dir, 'value'), 'r+');
    return new SysfsGpioLine(root, number, fd, exportedByUs);
  }

  writeSync(value: 0 | 1): void {
    if (this.fd === null) throw new BoothError('BOOTH_ERR_LEDS_UNAVAILABLE', `GPIO ${this.number} used after unexport`);
    writeSync(this.fd, value ? '1' : '0', 0);
  }

  /** Closes the value file and gives the line back to the kernel (only if this process exported it). */
  unexport(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (this.exportedByUs) {
      try {
        // Synchronous on purpose: called from stop paths that must finish before exit.
        const unexportFd = openSync(join(this.root, 'unexport'), 'w');
        try {
          writeSync(unexportFd, String(this.number));
        } finally {
          closeSync(unexportFd);
        }
      } catch {
        // The line may already be gone (board unplugged, another process): nothing to give back.
      }
    }
  }
}

/** Whether this process may export lines under the sysfs root: the check `doctor` and auto mode use. */
export async function sysfsGpioAccess(root: string): Promise<{ ok: true } | { error: string }> {
  if (await writable(join(root, 'export'))) return { ok: true };
  return { error: `${join(root, 'export')} is not writable (is the booth user in the gpio group?)` };
}
