import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GpioChip {
  /** Directory name, e.g. gpiochip512. */
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

/**
 * Labels of the main SoC GPIO controller on Raspberry Pi boards, preferred over expanders
 * (raspberrypi-exp-gpio, brcmvirt-gpio). On kernel 6.6 (Bookworm) the sysfs numbers are
 * offset: base 512 on a Pi 4 (pinctrl-bcm2711), 571 on a Pi 5 (pinctrl-rp1); older kernels 0.
 */
const SOC_LABELS = [/^pinctrl-rp1$/, /^pinctrl-bcm27\d\d$/, /^pinctrl-bcm2835$/, /^bcm2835_gpio$/, /^gpio-brcmstb/];

export async function listGpioChips(sysfsGpioRoot: string): Promise<GpioChip[]> {
  let names: string[];
  try {
    names = (await readdir(sysfsGpioRoot)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const name of names) {
    const read = (f: string) =>
      readFile(join(sysfsGpioRoot, name, f), 'utf8').then(
        (s) => s.trim(),
        () => '',
      );
    const base = Number.parseInt(await read('base'), 10);
    const ngpio = Number.parseInt(await read('ngpio'), 10);
    if (!Number.isInteger(base)) continue;
    chips.push({ name, base, ngpio: Number.isInteger(ngpio) ? ngpio : 0, label: await read('label') });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * Finds the sysfs GPIO base of the chip that carries the header pins. Takes the sysfs root as
 * an argument so it is tested on fake trees. With a label, that chip; otherwise the first chip
 * with a known SoC label; otherwise the chip with the most lines. null when there is none.
 */
export async function detectGpioBase(sysfsGpioRoot: string, label = ''): Promise<GpioChip | null> {
  const chips = await listGpioChips(sysfsGpioRoot);
  if (chips.length === 0) return null;
  if (label) return chips.find((c) => c.label === label) ?? null;
  for (const pattern of SOC_LABELS) {
    const chip = chips.find((c) => pattern.test(c.label));
    if (chip) return chip;
  }
  return [...chips].sort((a, b) => b.ngpio - a.ngpio)[0] ?? null;
}
