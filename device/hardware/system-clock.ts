import type { Clock } from '../core/ports.js';

/** The process clock: wall time from Date, monotonic time from performance.now(). */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
