import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { CentralContext } from '../context.js';
import { backoffDelay } from './backoff.js';
import { pullBooth, type PullOutcome, type PullTarget } from './puller.js';
import { verifyPendingPdfs } from './sealed-pdf.js';

/**
 * The pull scheduler: every active booth with a pull URL (table booths) is pulled every
 * collect.intervalMs, a few at a time (collect.concurrency); a booth that fails waits with
 * exponential backoff and jitter (table pull_state: failures, last error, next attempt).
 * Several central processes on one PostgreSQL may run it: a booth is claimed (its next_at moved
 * past a lease) in one statement before it is pulled, so one process pulls it at a time, and
 * ingestion stays exactly-once even when a push or another pull of it runs meanwhile.
 */
export interface BoothRound {
  boothId: string;
  ok: boolean;
  outcome?: PullOutcome;
  error?: string;
}

const LEASE_FACTOR = 10;

export class Collector {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly active = new Set<Promise<unknown>>();
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly ctx: CentralContext,
    private readonly o: { random?: () => number; tickMs?: number } = {},
  ) {}

  private get now(): Date {
    return new Date(this.ctx.clock.now());
  }

  /** Booths due now, claimed for this process (at most `n`). */
  async claimDue(n: number): Promise<PullTarget[]> {
    const c = this.ctx.config.collect;
    const lease = new Date(this.ctx.clock.now() + c.requestTimeoutMs * LEASE_FACTOR);
    const r = await this.ctx.db.query<{ id: string; pull_url: string }>(
      `WITH due AS (
         SELECT b.id FROM booths b LEFT JOIN pull_state p ON p.booth_id = b.id
          WHERE b.status = 'active' AND coalesce(b.pull_url, '') <> '' AND (p.next_at IS NULL OR p.next_at <= $1)
          ORDER BY p.next_at NULLS FIRST, b.id LIMIT $3),
       claimed AS (
         INSERT INTO pull_state (booth_id, next_at) SELECT id, $2 FROM due
         ON CONFLICT (booth_id) DO UPDATE SET next_at = EXCLUDED.next_at
          WHERE pull_state.next_at IS NULL OR pull_state.next_at <= $1
         RETURNING booth_id)
       SELECT b.id, b.pull_url FROM booths b JOIN claimed c ON c.booth_id = b.id`,
      [this.now, lease, n],
    );
    return r.rows.map((x) => ({ id: x.id, pullUrl: x.pull_url }));
  }

  /** Pulls one booth and records the outcome in pull_state (success: next in intervalMs; failure: backoff). */
  async pullOne(target: PullTarget): Promise<BoothRound> {
    const c = this.ctx.config.collect;
    try {
      const outcome = await pullBooth(this.ctx, target);
      await this.ctx.db.query(
        `INSERT INTO pull_state (booth_id, next_at, failures, last_error, last_success_at) VALUES ($1, $2, 0, NULL, $3)
         ON CONFLICT (booth_id) DO UPDATE SET next_at = $2, failures = 0, last_error = NULL, last_success_at = $3`,
        [target.id, new Date(this.ctx.clock.now() + c.intervalMs), this.now],
      );
      return { boothId: target.id, ok: true, outcome };
    } catch (err) {
      const e = toBoothError(err);
      const r = await this.ctx.db.query<{ failures: number }>(
        `INSERT INTO pull_state (booth_id, failures, last_error) VALUES ($1, 1, $2)
         ON CONFLICT (booth_id) DO UPDATE SET failures = pull_state.failures + 1, last_error = $2
         RETURNING failures`,
        [target.id, `${e.code}: ${e.message}`.slice(0, 1000)],
      );
      const failures = r.rows[0]?.failures ?? 1;
      const wait = backoffDelay(failures, c.backoffBaseMs, c.backoffMaxMs, this.o.random);
      await this.ctx.db.query('UPDATE pull_state SET next_at = $2 WHERE booth_id = $1', [
        target.id,
        new Date(this.ctx.clock.now() + wait),
      ]);
      this.ctx.log.warn({ booth: target.id, failures, code: e.code }, `pull failed: ${e.message}`);
      return { boothId: target.id, ok: false, error: `${e.code}: ${e.message}` };
    }
  }

  /**
   * One round now (`booth-central collect --once`): every active booth with a pull URL, or the
   * one named, whatever its backoff, `concurrency` at a time.
   */
  async once(o: { boothId?: string } = {}): Promise<BoothRound[]> {
    const r = await this.ctx.db.query<{ id: string; pull_url: string | null; status: string }>(
      `SELECT id, pull_url, status FROM booths WHERE ($1::text IS NULL OR id = $1)
          AND ($1::text IS NOT NULL OR (status = 'active' AND coalesce(pull_url, '') <> '')) ORDER BY id`,
      [o.boothId ?? null],
    );
    if (o.boothId) {
      const b = r.rows[0];
      if (!b) throw new BoothError('BOOTH_ERR_NOT_FOUND', `no booth ${o.boothId}`);
      if (b.status !== 'active') throw new BoothError('BOOTH_ERR_CONFLICT', `booth ${o.boothId} is revoked`);
      if (!b.pull_url) throw new BoothError('BOOTH_ERR_CONFLICT', `booth ${o.boothId} has no pull URL`);
    }
    const targets = r.rows.map((b) => ({ id: b.id, pullUrl: b.pull_url ?? '' }));
    const results: BoothRound[] = [];
    let i = 0;
    const worker = async () => {
      for (let t = targets[i++]; t; t = targets[i++]) results.push(await this.pullOne(t));
    };
    await Promise.all(Array.from({ length: Math.min(this.ctx.config.collect.concurrency, targets.length) }, worker));
    await verifyPendingPdfs(this.ctx);
    return results.sort((a, b) => a.boothId.localeCompare(b.boothId));
  }

  /** The scheduler, until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    // Sealed PDFs a crash left unchecked are checked first.
    await verifyPendingPdfs(this.ctx).catch((err: unknown) => this.ctx.log.warn({ err }, 'sealed PDF sweep failed'));
    while (this.running) {
      try {
        const free = this.ctx.config.collect.concurrency - this.active.size;
        const due = free > 0 ? await this.claimDue(free) : [];
        for (const t of due) {
          const p: Promise<unknown> = this.pullOne(t).finally(() => {
            this.active.delete(p);
            this.wake();
          });
          this.active.add(p);
        }
      } catch (err) {
        this.ctx.log.warn({ err }, 'pull scheduler: could not read the booths due');
      }
      if (!this.running) break;
      await this.sleep(this.o.tickMs ?? Math.min(1000, this.ctx.config.collect.intervalMs));
    }
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
    await Promise.allSettled([...this.active]);
  }
}
