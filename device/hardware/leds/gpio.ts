import { LED_COLORS, type AdapterInfo, type LedColor, type LedPatternName, type Leds } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { PatternDriver } from './pattern-driver.js';
import { detectGpioBase } from './gpio-base.js';
import { SysfsGpioLine, type GpioLine } from './sysfs-line.js';

export type { GpioLine } from './sysfs-line.js';

export type GpioFactory = (sysfsNumber: number, activeLow: boolean) => Promise<GpioLine>;

export interface GpioLedsOptions {
  pins: Record<LedColor, number>;
  activeLow: boolean;
  chipLabel: string;
  sysfsGpioRoot: string;
  blinkMs: number;
  /** Defaults to the sysfs files under sysfsGpioRoot (sysfs-line.ts); tests may pass a recorder. */
  gpioFactory?: GpioFactory;
}

/** Status LEDs on GPIO lines through sysfs files, numbered from the chip base found in sysfs. */
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
    const root = this.options.sysfsGpioRoot;
    const factory: GpioFactory =
      this.options.gpioFactory ?? ((number, activeLow) => SysfsGpioLine.open({ root, number, activeLow }));
    for (const color of LED_COLORS) {
      const line = this.options.pins[color];
      if (line >= chip.ngpio && chip.ngpio > 0) {
        throw new BoothError(
          'BOOTH_ERR_LEDS_UNAVAILABLE',
          `LED ${color}: line ${line} is beyond ${chip.label}'s ${chip.ngpio} lines`,
        );
      }
    }
    try {
      for (const color of LED_COLORS) {
        this.lines[color] = await factory(chip.base + this.options.pins[color], this.options.activeLow);
      }
    } catch (err) {
      // Give back the lines already exported: a failed start must leave sysfs as it found it.
      await this.stop();
      throw err;
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
