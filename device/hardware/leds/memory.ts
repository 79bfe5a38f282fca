import type { AdapterInfo, LedColor, LedPatternName, Leds } from '../../core/ports.js';
import { PatternDriver } from './pattern-driver.js';

/** Simulated LEDs: keeps the current state of each LED and the history of patterns. */
export class MemoryLeds implements Leds {
  readonly info: AdapterInfo = { kind: 'sim', adapter: 'memory', description: 'LEDs recorded in memory' };
  readonly history: LedPatternName[] = [];
  readonly lit: Record<LedColor, boolean> = { red: false, green: false, amber: false };
  private readonly driver: PatternDriver;
  private started = false;

  constructor(blinkMs = 400) {
    this.driver = new PatternDriver((color, on) => {
      this.lit[color] = on;
    }, blinkMs);
  }

  get pattern(): LedPatternName {
    return this.driver.pattern;
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.driver.off();
    this.driver.stopTimer();
    this.started = false;
  }

  setPattern(pattern: LedPatternName): void {
    this.history.push(pattern);
    this.driver.set(pattern);
  }

  set(color: LedColor, on: boolean): void {
    this.driver.setOne(color, on);
  }
}
