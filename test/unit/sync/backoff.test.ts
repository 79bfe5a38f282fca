import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../device/sync/backoff.js';

describe('backoff with jitter', () => {
  it('doubles per failure between half and all of the ceiling, capped', () => {
    expect(backoffDelay(0, 1000, 60_000)).toBe(0);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(10_000, 1000, 60_000, () => 0)).toBe(30_000);
  });

  it('spreads booths that failed together', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 1000, 60_000, random)));
    expect(delays.size).toBeGreaterThan(40);
    for (const d of delays) expect(d >= 8000 && d <= 16_000).toBe(true);
  });
});
