import { execFile } from 'node:child_process';
import { statfs, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { BoothConfig } from '../config/schema.js';
import type { Camera, Clock, LedColor, Leds, Tablet } from '../core/ports.js';
import { LED_COLORS } from '../core/ports.js';
import { toBoothError } from '../../protocol/errors.js';
import { verifyModels } from '../../provisioning/models.mjs';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** Below this much free space in the data directory's filesystem the booth must not take visits. */
export const DISK_MIN_FREE_BYTES = 256 * 1024 * 1024;

const run = promisify(execFile);

async function guard(name: string, fn: () => Promise<Omit<CheckResult, 'name'>>): Promise<CheckResult> {
  try {
    return { name, ...(await fn()) };
  } catch (err) {
    return { name, status: 'fail', detail: toBoothError(err).message };
  }
}

export function checkModels(modelsDir: string): Promise<CheckResult> {
  return guard('models', async () => {
    const checks = await verifyModels(modelsDir);
    const bad = checks.filter((c) => !c.ok);
    return bad.length === 0
      ? { status: 'pass', detail: `${checks.length} models, sha256 verified` }
      : { status: 'fail', detail: bad.map((b) => `${b.name}: ${b.reason}`).join(', ') + ' (run `npm run models`)' };
  });
}

export function checkCamera(camera: Camera, timeoutMs: number): Promise<CheckResult> {
  return guard('camera', async () => {
    await camera.start();
    try {
      const frame = await camera.grab({ timeoutMs });
      return {
        status: 'pass',
        detail: `${camera.info.kind} ${camera.info.adapter} ${camera.info.description}: ${frame.width}x${frame.height} JPEG, ${frame.jpeg.length} bytes`,
      };
    } finally {
      await camera.stop();
    }
  });
}

export function checkTablet(tablet: Tablet, waitMs: number): Promise<CheckResult> {
  return guard('tablet', async () => {
    let detail = '';
    const off = tablet.onState((_s, d) => (detail = d ?? detail));
    try {
      await tablet.start();
      const deadline = Date.now() + waitMs;
      while (tablet.state !== 'open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const where = `${tablet.info.kind} ${tablet.info.adapter} ${tablet.info.description}`;
      return tablet.state === 'open'
        ? { status: 'pass', detail: `${where}: port open` }
        : { status: 'fail', detail: `${where}: ${tablet.state}${detail ? ` (${detail})` : ''}` };
    } finally {
      off();
      await tablet.stop();
    }
  });
}

/** Lights each LED in turn (so a technician can watch), then turns all off. */
export function checkLeds(leds: Leds, stepMs: number, observe?: (color: LedColor) => void): Promise<CheckResult> {
  return guard('leds', async () => {
    await leds.start();
    try {
      for (const color of LED_COLORS) {
        leds.set(color, true);
        observe?.(color);
        await new Promise((r) => setTimeout(r, stepMs));
        leds.set(color, false);
      }
      return { status: 'pass', detail: `${leds.info.kind} ${leds.info.adapter}: red, green, amber cycled` };
    } finally {
      await leds.stop();
    }
  });
}

/**
 * The LED check with a technician watching: each LED blinks until the technician answers
 * whether they see it; an LED not seen fails the check (a wiring or pin mistake the booth
 * cannot detect itself). `confirm` asks; it gets the colour and resolves true when seen.
 */
export function checkLedsConfirmed(
  leds: Leds,
  confirm: (color: LedColor) => Promise<boolean>,
  blinkMs = 300,
): Promise<CheckResult> {
  return guard('leds', async () => {
    await leds.start();
    const unseen: LedColor[] = [];
    try {
      for (const color of LED_COLORS) {
        let on = true;
        leds.set(color, on);
        const blink = setInterval(() => leds.set(color, (on = !on)), blinkMs);
        try {
          if (!(await confirm(color))) unseen.push(color);
        } finally {
          clearInterval(blink);
          leds.set(color, false);
        }
      }
    } finally {
      await leds.stop();
    }
    const where = `${leds.info.kind} ${leds.info.adapter}`;
    return unseen.length === 0
      ? { status: 'pass', detail: `${where}: red, green, amber each confirmed by the technician` }
      : {
          status: 'fail',
          detail: `${where}: not seen by the technician: ${unseen.join(', ')} (check wiring and pins)`,
        };
  });
}

/** The nearest existing ancestor: the data directory may not exist before the first start. */
async function existingAncestor(path: string): Promise<string> {
  let p = path;
  for (;;) {
    try {
      await stat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

export function checkDisk(dataDir: string, minFree = DISK_MIN_FREE_BYTES): Promise<CheckResult> {
  return guard('disk', async () => {
    const at = await existingAncestor(dataDir);
    const s = await statfs(at);
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    const detail = `${(free / 2 ** 30).toFixed(1)} GiB free of ${(total / 2 ** 30).toFixed(1)} GiB at ${at}`;
    return {
      status: free >= minFree ? 'pass' : 'fail',
      detail: free >= minFree ? detail : `${detail}; need ${minFree / 2 ** 20} MiB`,
    };
  });
}

/**
 * Clock synchronisation from systemd-timesyncd/timedatectl. Unsynchronised is a warning, not a
 * failure: the booth works offline and marks its records' times as unsynchronised.
 */
export function checkClock(clock: Clock): Promise<CheckResult> {
  return guard('clock', async () => {
    const now = new Date(clock.now()).toISOString();
    try {
      const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 });
      const synced = stdout.trim() === 'yes';
      return {
        status: synced ? 'pass' : 'warn',
        detail: `${now}, ${synced ? 'NTP synchronised' : 'not synchronised'}`,
      };
    } catch {
      try {
        await stat('/run/systemd/timesync/synchronized');
        return { status: 'pass', detail: `${now}, synchronised (timesyncd)` };
      } catch {
        return { status: 'warn', detail: `${now}, synchronisation unknown (no timedatectl/timesyncd)` };
      }
    }
  });
}

export function configResult(config: BoothConfig, path: string | null): CheckResult {
  return { name: 'config', status: 'pass', detail: `${path ?? 'defaults (no file)'}; booth ${config.booth.id}` };
}
