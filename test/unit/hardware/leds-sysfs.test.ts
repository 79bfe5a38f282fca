import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysfsGpioLine, sysfsGpioAccess } from '../../../device/hardware/leds/sysfs-line.js';
import { GpioLeds } from '../../../device/hardware/leds/gpio.js';
import { MemoryLeds } from '../../../device/hardware/leds/memory.js';
import { ledStates } from '../../../device/core/led-patterns.js';
import { LED_COLORS, type LedColor, type LedPatternName, type Leds } from '../../../device/core/ports.js';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

/**
 * A fake /sys/class/gpio: a chip directory, `export`/`unexport` files, and a "kernel" that creates
 * gpioN/{direction,value,active_low} a little after N is written to `export`, as the kernel and
 * udev do (the files appear, then become writable for the gpio group).
 */
async function fakeSysfs(base = 512, ngpio = 58): Promise<{ root: string; stopKernel: () => void }> {
  const root = await mkdtemp(join(tmpdir(), 'booth-gpio-'));
  roots.push(root);
  const chip = join(root, `gpiochip${base}`);
  await mkdir(chip);
  await writeFile(join(chip, 'base'), `${base}\n`);
  await writeFile(join(chip, 'ngpio'), `${ngpio}\n`);
  await writeFile(join(chip, 'label'), 'pinctrl-bcm2711\n');
  await writeFile(join(root, 'export'), '');
  await writeFile(join(root, 'unexport'), '');
  let running = true;
  void (async () => {
    let seen = '';
    while (running) {
      const text = await readFile(join(root, 'export'), 'utf8').catch(() => '');
      if (text && text !== seen) {
        seen = text;
        const dir = join(root, `gpio${text.trim()}`);
        await mkdir(dir, { recursive: true });
        await sleep(20); // udev's delay before the files are the gpio group's
        await writeFile(join(dir, 'active_low'), '0');
        await writeFile(join(dir, 'value'), '0');
        await writeFile(join(dir, 'direction'), 'in');
      }
      await sleep(5);
    }
  })();
  return { root, stopKernel: () => (running = false) };
}

describe('SysfsGpioLine (no native module)', () => {
  it('exports, sets active_low and direction, writes values, unexports what it exported', async () => {
    const { root, stopKernel } = await fakeSysfs();
    try {
      const line = await SysfsGpioLine.open({ root, number: 529, activeLow: true });
      const dir = join(root, 'gpio529');
      expect(await readFile(join(dir, 'active_low'), 'utf8')).toBe('1');
      expect(await readFile(join(dir, 'direction'), 'utf8')).toBe('out');
      line.writeSync(1);
      expect(await readFile(join(dir, 'value'), 'utf8')).toBe('1');
      line.writeSync(0);
      expect(await readFile(join(dir, 'value'), 'utf8')).toBe('0');
      line.unexport();
      expect(await readFile(join(root, 'unexport'), 'utf8')).toBe('529');
      expect(() => line.writeSync(1)).toThrow(/after unexport/);
    } finally {
      stopKernel();
    }
  });

  it('a line exported by someone else is used but not unexported', async () => {
    const root = await mkdtemp(join(tmpdir(), 'booth-gpio-'));
    roots.push(root);
    await writeFile(join(root, 'export'), '');
    await writeFile(join(root, 'unexport'), '');
    const dir = join(root, 'gpio530');
    await mkdir(dir);
    for (const f of ['active_low', 'value', 'direction']) await writeFile(join(dir, f), '0');
    const line = await SysfsGpioLine.open({ root, number: 530, activeLow: false });
    line.writeSync(1);
    line.unexport();
    expect(await readFile(join(root, 'export'), 'utf8')).toBe('');
    expect(await readFile(join(root, 'unexport'), 'utf8')).toBe('');
  });

  it('a line whose files never appear is a coded error naming the udev rule, not a hang', async () => {
    const root = await mkdtemp(join(tmpdir(), 'booth-gpio-'));
    roots.push(root);
    await writeFile(join(root, 'export'), '');
    await expect(SysfsGpioLine.open({ root, number: 531, activeLow: false, settleMs: 50 })).rejects.toMatchObject({
      code: 'BOOTH_ERR_LEDS_UNAVAILABLE',
      message: /99-booth\.rules/,
    });
  });

  it('access: a missing or read-only export file says why', async () => {
    expect(await sysfsGpioAccess(join(tmpdir(), 'no-such-gpio-root'))).toMatchObject({ error: /not writable/ });
    const { root, stopKernel } = await fakeSysfs();
    stopKernel();
    expect(await sysfsGpioAccess(root)).toEqual({ ok: true });
    expect((await stat(join(root, 'export'))).isFile()).toBe(true);
  });
});

/**
 * The contract every Leds adapter keeps, run against the simulator (MemoryLeds) and the real
 * adapter on a fake sysfs tree: what is lit for each pattern, and everything off after stop.
 */
interface LedsUnderTest {
  leds: Leds;
  lit(): Promise<Record<LedColor, boolean>>;
  cleanup(): void;
}

function ledsContract(name: string, make: () => Promise<LedsUnderTest>): void {
  describe(`Leds contract: ${name}`, () => {
    it('each pattern lights what ledStates says (on phase), stop turns everything off', async () => {
      const t = await make();
      try {
        await t.leds.start();
        expect(await t.lit()).toEqual({ red: false, green: false, amber: false });
        const patterns: LedPatternName[] = ['idle', 'busy', 'success', 'failure', 'offline', 'fault', 'off'];
        for (const p of patterns) {
          t.leds.setPattern(p);
          expect(t.leds.pattern).toBe(p);
          expect(await t.lit()).toEqual(ledStates(p, true));
        }
        t.leds.setPattern('idle');
        t.leds.set('red', true);
        expect((await t.lit()).red).toBe(true);
        await t.leds.stop();
        expect(await t.lit()).toEqual({ red: false, green: false, amber: false });
      } finally {
        t.cleanup();
      }
    });
  });
}

ledsContract('MemoryLeds (simulator)', async () => {
  const leds = new MemoryLeds(60_000);
  return { leds, lit: async () => ({ ...leds.lit }), cleanup: () => undefined };
});

ledsContract('GpioLeds on sysfs files (active low)', async () => {
  const { root, stopKernel } = await fakeSysfs();
  const pins = { red: 17, green: 27, amber: 22 } as const;
  const leds = new GpioLeds({ pins, activeLow: true, chipLabel: '', sysfsGpioRoot: root, blinkMs: 60_000 });
  const lit = async () => {
    const out = {} as Record<LedColor, boolean>;
    for (const c of LED_COLORS) {
      // The value file holds the logical value (active_low applied by the kernel): 1 = lit.
      out[c] = (await readFile(join(root, `gpio${512 + pins[c]}`, 'value'), 'utf8').catch(() => '0')) === '1';
    }
    return out;
  };
  return { leds, lit, cleanup: stopKernel };
});
