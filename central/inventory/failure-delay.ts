/**
 * Slows down enrollment token guessing: failures are counted per client address (in memory,
 * for `windowMs`) and each further request from that address waits `stepMs` per recent failure,
 * at most `maxMs`. Tokens are 32 random bytes, so this is not what keeps them safe; it keeps a
 * misbehaving client from hammering the CA's database rows. At most `maxAddresses` are
 * remembered (the oldest entry goes first), so a flood from many addresses cannot grow memory.
 */
export interface FailureDelayOptions {
  stepMs: number;
  maxMs: number;
  windowMs: number;
  maxAddresses: number;
}

export const FAILURE_DELAY_DEFAULTS: FailureDelayOptions = {
  stepMs: 250,
  maxMs: 5000,
  windowMs: 10 * 60_000,
  maxAddresses: 10_000,
};

export class FailureDelay {
  private readonly seen = new Map<string, { count: number; last: number }>();
  private readonly o: FailureDelayOptions;

  constructor(
    o: Partial<FailureDelayOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = { ...FAILURE_DELAY_DEFAULTS, ...o };
  }

  /** How long a request from `address` waits before it is looked at. */
  delayFor(address: string): number {
    const e = this.seen.get(address);
    if (!e) return 0;
    if (this.now() - e.last > this.o.windowMs) {
      this.seen.delete(address);
      return 0;
    }
    return Math.min(this.o.maxMs, e.count * this.o.stepMs);
  }

  fail(address: string): void {
    const e = this.seen.get(address);
    const fresh = e && this.now() - e.last <= this.o.windowMs;
    this.seen.delete(address); // re-inserted last: Map order is the eviction order
    this.seen.set(address, { count: fresh ? e.count + 1 : 1, last: this.now() });
    while (this.seen.size > this.o.maxAddresses) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }

  succeed(address: string): void {
    this.seen.delete(address);
  }

  get size(): number {
    return this.seen.size;
  }
}
