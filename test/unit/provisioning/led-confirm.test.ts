import { describe, expect, it } from 'vitest';
import { checkLedsConfirmed } from '../../../device/doctor/checks.js';
import { MemoryLeds } from '../../../device/hardware/leds/memory.js';
import type { LedColor } from '../../../device/core/ports.js';

/** The doctor's LED check with a technician watching (booth doctor --confirm-leds, or real LEDs on a TTY). */
describe('LED check confirmed by the technician', () => {
  it('blinks each LED alone while asking, and passes when all are seen', async () => {
    const leds = new MemoryLeds();
    const litWhenAsked: Record<string, boolean>[] = [];
    const asked: LedColor[] = [];
    const result = await checkLedsConfirmed(
      leds,
      async (color) => {
        asked.push(color);
        // Wait across a few blink phases: the LED toggles, the others stay dark.
        const seen = new Set<boolean>();
        for (let i = 0; i < 6; i++) {
          seen.add(leds.lit[color]);
          litWhenAsked.push({ ...leds.lit });
          await new Promise((r) => setTimeout(r, 15));
        }
        expect([...seen].sort()).toEqual([false, true]);
        return true;
      },
      10,
    );
    expect(asked).toEqual(['red', 'green', 'amber']);
    for (const [i, lit] of litWhenAsked.entries()) {
      const color = asked[Math.floor(i / 6)] as LedColor;
      for (const other of ['red', 'green', 'amber'] as const) if (other !== color) expect(lit[other]).toBe(false);
    }
    expect(result.status).toBe('pass');
    expect(leds.lit).toEqual({ red: false, green: false, amber: false });
  });

  it('fails naming the LEDs the technician did not see', async () => {
    const leds = new MemoryLeds();
    const result = await checkLedsConfirmed(leds, (color) => Promise.resolve(color !== 'amber'), 10);
    expect(result).toMatchObject({ name: 'leds', status: 'fail' });
    expect(result.detail).toMatch(/not seen by the technician: amber/);
  });
});
