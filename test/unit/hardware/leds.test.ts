import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectGpioBase } from '../../../device/hardware/leds/gpio-base.js';
import { GpioLeds, type GpioLine } from '../../../device/hardware/leds/gpio.js';
import { MemoryLeds } from '../../../device/hardware/leds/memory.js';
import { ledStates } from '../../../device/core/led-patterns.js';
import type { Leds } from '../../../device/core/ports.js';

async function fakeSysfs(chips: { base: number; ngpio: number; label: string }[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'booth-sysfs-'));
  for (const c of chips) {
    const dir = join(root, `gpiochip${c.base}`);
    await mkdir(dir);
    await writeFile(join(dir, 'base'), `${c.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${c.ngpio}\n`);
    await writeFile(join(dir, 'label'), `${c.label}\n`);
  }
  await writeFile(join(root, 'export'), '');
  return root;
}

describe('detectGpioBase on fake sysfs trees', () => {
  it('Pi 4 on kernel 6.6: base 512 (pinctrl-bcm2711), not the expander', async () => {
    const root = await fakeSysfs([
      { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
      { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
    ]);
    expect(await detectGpioBase(root)).toMatchObject({ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 });
  });

  it('Pi 5 on kernel 6.6: base 571 (pinctrl-rp1)', async () => {
    const root = await fakeSysfs([
      { base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
      { base: 544, ngpio: 4, label: 'gpio-brcmstb@107d517c00' },
      { base: 571, ngpio: 54, label: 'pinctrl-rp1' },
    ]);
    expect(await detectGpioBase(root)).toMatchObject({ base: 571, label: 'pinctrl-rp1' });
  });

  it('legacy kernels: base 0 (pinctrl-bcm2835)', async () => {
    const root = await fakeSysfs([
      { base: 0, ngpio: 54, label: 'pinctrl-bcm2835' },
      { base: 128, ngpio: 8, label: 'raspberrypi-exp-gpio' },
    ]);
    expect(await detectGpioBase(root)).toMatchObject({ base: 0 });
  });

  it('missing sysfs or no chips: null', async () => {
    expect(await detectGpioBase(join(tmpdir(), 'no-such-sysfs-tree'))).toBeNull();
    expect(await detectGpioBase(await fakeSysfs([]))).toBeNull();
  });

  it('an explicit label selects that chip, or none', async () => {
    const root = await fakeSysfs([
      { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
      { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
    ]);
    expect(await detectGpioBase(root, 'raspberrypi-exp-gpio')).toMatchObject({ base: 504 });
    expect(await detectGpioBase(root, 'pinctrl-rp1')).toBeNull();
  });

  it('unknown boards: the chip with the most lines', async () => {
    const root = await fakeSysfs([
      { base: 0, ngpio: 16, label: 'foo' },
      { base: 32, ngpio: 64, label: 'bar' },
    ]);
    expect(await detectGpioBase(root)).toMatchObject({ base: 32 });
  });
});

/** A strict recorder of a GPIO line: records writes, throws on use after unexport. */
class FakeLine implements GpioLine {
  values: number[] = [];
  exported = true;
  constructor(readonly n: number) {}
  writeSync(v: 0 | 1): void {
    if (!this.exported) throw new Error(`gpio ${this.n} used after unexport`);
    this.values.push(v);
  }
  unexport(): void {
    this.exported = false;
  }
}

describe('GpioLeds', () => {
  it('numbers lines from the detected base and drives patterns', async () => {
    const root = await fakeSysfs([{ base: 512, ngpio: 58, label: 'pinctrl-bcm2711' }]);
    const lines = new Map<number, FakeLine>();
    const leds = new GpioLeds({
      pins: { red: 17, green: 27, amber: 22 },
      activeLow: false,
      chipLabel: '',
      sysfsGpioRoot: root,
      blinkMs: 1000,
      gpioFactory: async (n) => {
        const l = new FakeLine(n);
        lines.set(n, l);
        return l;
      },
    });
    await leds.start();
    expect([...lines.keys()].sort()).toEqual([529, 534, 539]);
    leds.setPattern('idle');
    expect(lines.get(539)?.values.at(-1)).toBe(1); // green = 512 + 27
    expect(lines.get(529)?.values.at(-1)).toBe(0); // red = 512 + 17
    await leds.stop();
    expect([...lines.values()].every((l) => !l.exported && l.values.at(-1) === 0)).toBe(true);
  });

  it('refuses a pin beyond the chip', async () => {
    const root = await fakeSysfs([{ base: 0, ngpio: 8, label: 'pinctrl-bcm2835' }]);
    const leds = new GpioLeds({
      pins: { red: 17, green: 2, amber: 3 },
      activeLow: false,
      chipLabel: '',
      sysfsGpioRoot: root,
      blinkMs: 100,
      gpioFactory: async (n) => new FakeLine(n),
    });
    await expect(leds.start()).rejects.toMatchObject({ code: 'BOOTH_ERR_LEDS_UNAVAILABLE', message: /line 17/ });
  });
});

describe('LED patterns', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('blinking patterns toggle at the blink period; steady ones do not', async () => {
    const leds: Leds & { lit: Record<string, boolean>; history: string[] } = new MemoryLeds(200);
    await leds.start();
    leds.setPattern('failure');
    expect(leds.lit).toEqual({ red: true, green: false, amber: false });
    vi.advanceTimersByTime(200);
    expect(leds.lit.red).toBe(false);
    vi.advanceTimersByTime(200);
    expect(leds.lit.red).toBe(true);
    leds.setPattern('idle');
    vi.advanceTimersByTime(1000);
    expect(leds.lit).toEqual({ red: false, green: true, amber: false });
    expect(leds.history).toEqual(['failure', 'idle']);
    await leds.stop();
    expect(leds.lit).toEqual({ red: false, green: false, amber: false });
  });

  it('every pattern lights something except off', () => {
    expect(ledStates('off', true)).toEqual({ red: false, green: false, amber: false });
    for (const p of ['idle', 'busy', 'success', 'failure', 'offline', 'fault'] as const) {
      expect(Object.values(ledStates(p, true)).some(Boolean)).toBe(true);
    }
  });
});
