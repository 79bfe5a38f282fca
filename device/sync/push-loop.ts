import { monotonicFactory } from 'ulid';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/ports.js';
import { toBoothError } from '../../protocol/errors.js';
import type { BoothSigner } from '../../protocol/records/signer-info.js';
import { backoffDelay } from './backoff.js';
import { buildBatch } from '../../protocol/sync/batch.js';
import type { Outbox } from './outbox.js';
import type { PushClient } from './push-client.js';
import type { BlobUploader } from './blob-upload.js';

export interface PushLoopOptions {
  outbox: Outbox;
  client: PushClient;
  /** Uploads the sealed revisions a batch's sign records name, before the batch. */
  blobs?: BlobUploader;
  signer: BoothSigner;
  clock: Clock;
  bus: EventBus;
  maxRecords: number;
  maxBytes: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idlePollMs: number;
  random?: () => number;
  onError?: (message: string, failures: number) => void;
}

/**
 * Sends the outbox in bounded batches while there is something to send; sleeps until the next
 * commit (or the idle poll) when there is not; backs off exponentially with jitter on failure.
 * The central server's per-record acks move the shared cursor over the settled prefix only.
 */
export class PushLoop {
  private stopped = true;
  private running: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly newId = monotonicFactory();
  failures = 0;

  constructor(private readonly o: PushLoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.o.bus.on('sync.push', 'record.committed', () => this.wake());
    this.running = this.run();
  }

  /** Ends the wait early (a new commit): the loop checks the outbox now. */
  wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        if (this.timer) clearTimeout(this.timer);
        this.wakeUp = null;
        resolve();
      };
      this.timer = setTimeout(() => this.wakeUp?.(), ms);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let sent = 0;
      try {
        sent = await this.pushOnce();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.o.onError?.(toBoothError(err).message, this.failures);
      }
      if (this.stopped) break;
      if (this.failures > 0)
        await this.sleepNoWake(backoffDelay(this.failures, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random));
      else if (sent === 0) await this.sleep(this.o.idlePollMs);
    }
  }

  /** A backoff wait is not cut short by commits (that would defeat it), only by stop(). */
  private async sleepNoWake(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until) await this.sleep(until - Date.now());
  }

  /** One round trip; returns how many records it settled (throws on failure). */
  async pushOnce(): Promise<number> {
    const { outbox } = this.o;
    const after = outbox.ackedSeq;
    const records = await outbox.pending(this.o.maxRecords, this.o.maxBytes);
    if (records.length === 0) return 0;
    // The central server acknowledges a sign record only when it holds the blobs it names.
    await this.o.blobs?.ensure(records);
    const now = this.o.clock.now();
    const batch = buildBatch(this.o.signer, { batchId: this.newId(now), after, createdAt: now, records });
    const res = await this.o.client.push(batch);
    if (res.centralLastSeq < after) {
      // The central server holds less than it acknowledged (restored from a backup): resend.
      await outbox.rewind(res.centralLastSeq);
      return after - res.centralLastSeq;
    }
    const acks = new Map(res.acks.map((a) => [a.seq, a]));
    const rejected: { seq: number; id: string; reason: string }[] = [];
    let upTo = after;
    for (const r of records) {
      const a = acks.get(r.seq);
      if (!a || a.id !== r.id) break;
      if (a.status === 'rejected') rejected.push({ seq: r.seq, id: r.id, reason: a.reason ?? 'rejected' });
      upTo = r.seq;
    }
    if (upTo === after) throw new Error(`the central server acknowledged none of records ${after + 1}..`);
    await outbox.ackUpTo(upTo, 'push', rejected);
    return upTo - after;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.bus.removeOwner('sync.push');
    this.wake();
    await this.running;
    this.running = null;
  }
}
