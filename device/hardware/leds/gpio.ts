import { LED_COLORS, type AdapterInfo, type LedColor, type LedPatternName, type Leds } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { PatternDriver } from './pattern-driver.js';
import { detectGpioBase } from './gpio-base.js';

/** The part of onoff's Gpio we use; tests pass a strict fake. */
export interface GpioLine {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}
export type GpioFactory = (sysfsNumber: number, activeLow: boolean) => GpioLine;

export interface GpioLedsOptions {
  pins: Record<LedColor, number>;
  activeLow: boolean;
  chipLabel: string;
  sysfsGpioRoot: string;
  blinkMs: number;
  /** Defaults to onoff, loaded lazily: without the epoll build `import 'onoff'` throws. */
  gpioFactory?: GpioFactory;
}

/** Loads onoff on demand; null with the reason when it cannot be used here. */
export async function loadOnoff(): Promise<{ factory: GpioFactory } | { error: string }> {
  try {
    const { Gpio } = await import('onoff');
    if (!Gpio.accessible) return { error: 'GPIO sysfs is not accessible on this machine' };
    return {
      factory: (n, activeLow) => new Gpio(n, 'out', 'none', { activeLow, reconfigureDirection: true }) as GpioLine,
    };
  } catch (err) {
    return { error: `onoff cannot load (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Status LEDs on GPIO lines through onoff, numbered from the chip base found in sysfs. */
export class GpioLeds implements Leds {
  readonly info: AdapterInfo;
  private lines: Partial<Record<LedColor, GpioLine>> = {};
  private readonly driver: PatternDriver;

  constructor(private readonly options: GpioLedsOptions) {
    this.info = { kind: 'real', adapter: 'gpio-sysfs', description: options.sysfsGpioRoot };
    this.driver = new PatternDriver((color, on) => this.lines[color]?.writeSync(on ? 1 : 0), options.blinkMs);
  }

  get pattern(): LedPatternName {
    return this.driver.pattern;
  }

  async start(): Promise<void> {
    const chip = await detectGpioBase(this.options.sysfsGpioRoot, this.options.chipLabel);
    if (!chip) {
      throw new BoothError('BOOTH_ERR_LEDS_UNAVAILABLE', `no GPIO chip found under ${this.options.sysfsGpioRoot}`, {
        label: this.options.chipLabel,
      });
    }
    let factory = this.options.gpioFactory;
    if (!factory) {
      const loaded = await loadOnoff();
      if ('error' in loaded) throw new BoothError('BOOTH_ERR_LEDS_UNAVAILABLE', loaded.error);
      factory = loaded.factory;
    }
    for (const color of LED_COLORS) {
      const line = this.options.pins[color];
      if (line >= chip.ngpio && chip.ngpio > 0) {
        throw new BoothError(
          'BOOTH_ERR_LEDS_UNAVAILABLE',
          `LED ${color}: line ${line} is beyond ${chip.label}'s ${chip.ngpio} lines`,
        );
      }
      this.lines[color] = factory(chip.base + line, this.options.activeLow);
    }
    this.driver.off();
  }

  async stop(): Promise<void> {
    this.driver.stopTimer();
    for (const color of LED_COLORS) {
      const line = this.lines[color];
      if (!line) continue;
      try {
        line.writeSync(0);
        line.unexport();
      } catch {
        // Best effort on shutdown: the pin may already be gone.
      }
    }
    this.lines = {};
  }

  setPattern(pattern: LedPatternName): void {
    this.driver.set(pattern);
  }

  set(color: LedColor, on: boolean): void {
    this.driver.setOne(color, on);
  }
}
