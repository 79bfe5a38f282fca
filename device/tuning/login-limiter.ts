/**
 * Failed logins per client, with a growing lockout (issue 15). A client is a peer identity
 * (device/tuning/peer.ts: the local user owning the connecting socket, and its address); one
 * client failing does not lock out another. Each user id also has a wider budget, so cycling
 * through loopback addresses (127.x.y.z) buys no extra guesses. Pure logic: the clock is passed in.
 */
export interface LimiterPolicy {
  /** Failures allowed before the first lockout. */
  free: number;
  /** First lockout; doubles with each further failure, up to maxMs. */
  baseMs: number;
  maxMs: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export const CLIENT_POLICY: LimiterPolicy = { free: 5, baseMs: 30_000, maxMs: 15 * 60_000 };
export const USER_POLICY: LimiterPolicy = { free: 20, baseMs: 60_000, maxMs: 60 * 60_000 };
/** Entries idle this long are forgotten (a failure a day ago does not count today). */
const FORGET_MS = 24 * 3600_000;
/** Bound on memory whatever an attacker tries. */
const MAX_ENTRIES = 10_000;

class Buckets {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly policy: LimiterPolicy) {}

  lockedFor(key: string, now: number): number {
    const e = this.entries.get(key);
    return e && e.lockedUntil > now ? e.lockedUntil - now : 0;
  }

  fail(key: string, now: number): void {
    const e = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastAt: now };
    e.failures += 1;
    e.lastAt = now;
    const over = e.failures - this.policy.free;
    if (over > 0) e.lockedUntil = now + Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (over - 1));
    this.entries.delete(key); // re-insert: Map order = least recently failed first
    this.entries.set(key, e);
    this.prune(now);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  /** Oldest failures first (Map order): forget idle unlocked entries, and the oldest beyond the cap. */
  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      const idle = now - e.lastAt >= FORGET_MS && e.lockedUntil <= now;
      if (this.entries.size > MAX_ENTRIES || idle) this.entries.delete(k);
      else break;
    }
  }
}

export interface Client {
  /** The local user owning the peer socket, or null when it cannot be told (not Linux). */
  uid: number | null;
  address: string;
}

export class LoginLimiter {
  private readonly clients: Buckets;
  private readonly users: Buckets;

  constructor(policies: { client?: LimiterPolicy; user?: LimiterPolicy } = {}) {
    this.clients = new Buckets(policies.client ?? CLIENT_POLICY);
    this.users = new Buckets(policies.user ?? USER_POLICY);
  }

  /** Milliseconds this client must wait before its next attempt (0: go ahead). */
  retryAfterMs(c: Client, now: number): number {
    return Math.max(this.clients.lockedFor(clientKey(c), now), this.users.lockedFor(userKey(c), now));
  }

  fail(c: Client, now: number): void {
    this.clients.fail(clientKey(c), now);
    this.users.fail(userKey(c), now);
  }

  succeed(c: Client): void {
    this.clients.clear(clientKey(c));
    this.users.clear(userKey(c));
  }
}

const clientKey = (c: Client) => `${c.uid ?? '?'}|${c.address}`;
// Without a uid the address is all there is.
const userKey = (c: Client) => (c.uid === null ? `addr|${c.address}` : `uid|${c.uid}`);
