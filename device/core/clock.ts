import type { Clock } from './ports.js';

/** A clock driven by the test: time moves only when advance() is called. */
export class ManualClock implements Clock {
  constructor(
    private wall = 1_700_000_000_000,
    private mono = 0,
  ) {}
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}
