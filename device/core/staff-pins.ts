/**
 * The staff PIN limit (pure): how many wrong PINs a staff id, and the booth as a whole, may
 * take before a lockout, and how long each lockout lasts. Wall-clock times (the counters
 * survive restarts); `now` comes with every call. docs/visit.md, "Staff PINs", gives the figures.
 */
export interface PinPolicy {
  /** Failures answered without a lockout. */
  freeFailures: number;
  /** The first lockout; each further failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
}

/**
 * Per staff id: 5 typos free, then 1 min doubling up to 1 h. Per booth (every id together,
 * unknown ones too): 10 free, same growth, so trying many ids buys nothing. Fixed in code,
 * not tunable: nothing a technician or a flow changes should widen it (docs/decisions.md).
 */
export const STAFF_PIN_POLICY: PinPolicy = { freeFailures: 5, baseLockMs: 60_000, maxLockMs: 3_600_000 };
export const BOOTH_PIN_POLICY: PinPolicy = { freeFailures: 10, baseLockMs: 60_000, maxLockMs: 3_600_000 };

export interface PinCounter {
  /** Consecutive failures since the last success. */
  failures: number;
  /** Wall ms until which checks are refused (0: none). */
  lockedUntil: number;
  /** Length of that lockout (bounds a clock that jumped back). */
  lockMs: number;
}

export const FRESH: PinCounter = { failures: 0, lockedUntil: 0, lockMs: 0 };

/** Lockout length after `failures` consecutive failures (0 while they are free). */
export function lockMsAfter(failures: number, p: PinPolicy): number {
  if (failures < p.freeFailures) return 0;
  const doublings = Math.min(failures - p.freeFailures, 40);
  return Math.min(p.baseLockMs * 2 ** doublings, p.maxLockMs);
}

/**
 * Milliseconds the counter stays locked at `now` (0: a check may run). Never more than the
 * lockout's own length, so a wall clock set back cannot lock staff out for longer.
 */
export function remainingMs(c: PinCounter, now: number): number {
  if (c.lockedUntil <= now) return 0;
  return Math.min(c.lockedUntil - now, c.lockMs);
}

/** The counter after one more failure at `now`; `locked` says whether it starts a lockout. */
export function afterFailure(c: PinCounter, p: PinPolicy, now: number): { counter: PinCounter; locked: boolean } {
  const failures = c.failures + 1;
  const lockMs = lockMsAfter(failures, p);
  return {
    counter: { failures, lockedUntil: lockMs ? now + lockMs : 0, lockMs },
    locked: lockMs > 0,
  };
}

/**
 * The most checks one counter allows in `periodMs` to an attacker who guesses as fast as the
 * lockouts let them (the answer time of a check is ignored: an upper bound).
 */
export function guessesPer(periodMs: number, p: PinPolicy): number {
  let guesses = 0;
  let t = 0;
  let c = FRESH;
  while (t < periodMs) {
    guesses++;
    const r = afterFailure(c, p, t);
    c = r.counter;
    t += r.counter.lockMs;
    if (guesses > 1_000_000) break;
  }
  return guesses;
}
