import { LED_COLORS, type LedColor, type LedPatternName } from '../../core/ports.js';
import { ledStates, patternBlinks } from '../../core/led-patterns.js';

/**
 * Runs named LED patterns over a write(color, on) function: the one timer that makes
 * blinking patterns blink. Shared by the GPIO adapter and the simulator so both behave alike.
 */
export class PatternDriver {
  private timer: NodeJS.Timeout | null = null;
  private phase = true;
  private current: LedPatternName = 'off';

  constructor(
    private readonly write: (color: LedColor, on: boolean) => void,
    private readonly blinkMs: number,
  ) {}

  get pattern(): LedPatternName {
    return this.current;
  }

  set(pattern: LedPatternName): void {
    this.stopTimer();
    this.current = pattern;
    this.phase = true;
    this.apply();
    if (patternBlinks(pattern)) {
      this.timer = setInterval(() => {
        this.phase = !this.phase;
        this.apply();
      }, this.blinkMs);
      this.timer.unref();
    }
  }

  /** Direct control (doctor's LED check): stops any pattern first. */
  setOne(color: LedColor, on: boolean): void {
    this.stopTimer();
    this.current = 'off';
    this.write(color, on);
  }

  off(): void {
    this.set('off');
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private apply(): void {
    const states = ledStates(this.current, this.phase);
    for (const color of LED_COLORS) this.write(color, states[color]);
  }
}
