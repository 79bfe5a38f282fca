import { Type, type Static } from '@sinclair/typebox';
import type { EventBus } from '../core/events.js';
import type { Clock, CommittedRecord } from '../core/ports.js';
import type { JournalRecordStore } from '../store/record-store.js';
import { openStateFile, type StateFile } from '../store/state-file.js';
import type { AckPoint, AckSource } from '../store/store-state.js';

/**
 * The outbox: every committed record after the cursor. Push and pull share it and its one
 * cursor (`ackedSeq`: the central server holds everything up to it). The cursor moves forward
 * on acknowledgements and back only when the central server shows it holds less (it was
 * restored from a backup): records are retained until acknowledged + N days, so it can be
 * served again. Records the central server rejects as invalid go to the dead-letter list and
 * count as settled, so they do not block the rest.
 */
const SyncStateSchema = Type.Object({
  version: Type.Literal(1),
  ackedSeq: Type.Integer({ minimum: 0 }),
  ackPoints: Type.Array(Type.Object({ seq: Type.Integer({ minimum: 0 }), at: Type.Integer() })),
  deadLetters: Type.Array(
    Type.Object({ seq: Type.Integer(), id: Type.String(), reason: Type.String(), at: Type.Integer() }),
  ),
});
type SyncState = Static<typeof SyncStateSchema>;
export type DeadLetter = SyncState['deadLetters'][number];

/** Ack points closer together than this are merged (retention needs hours, not every ack). */
const ACK_POINT_MERGE_MS = 3_600_000;
const MAX_DEAD_LETTERS = 10_000;

export class Outbox implements AckSource {
  private file: StateFile<typeof SyncStateSchema> | null = null;

  constructor(private readonly o: { store: JournalRecordStore; statePath: string; clock: Clock; bus: EventBus }) {}

  async open(): Promise<void> {
    this.file = await openStateFile(this.o.statePath, SyncStateSchema, () => ({
      version: 1 as const,
      ackedSeq: 0,
      ackPoints: [],
      deadLetters: [],
    }));
    if (this.file.adapter.problem)
      this.o.bus.emit('store.fault', { code: 'BOOTH_ERR_STORE_FAULT', message: this.file.adapter.problem });
    // A cursor beyond the journal (state restored from elsewhere) would skip records: clamp it.
    if (this.data.ackedSeq > this.o.store.lastSeq) await this.rewind(this.o.store.lastSeq);
  }

  private get data(): SyncState {
    if (!this.file) throw new Error('outbox not open');
    return this.file.db.data;
  }

  get ackedSeq(): number {
    return this.data.ackedSeq;
  }
  get lastSeq(): number {
    return this.o.store.lastSeq;
  }
  get pendingCount(): number {
    return Math.max(0, this.lastSeq - this.ackedSeq);
  }
  deadLetters(): readonly DeadLetter[] {
    return this.data.deadLetters;
  }
  ackPoints(): readonly AckPoint[] {
    return this.file ? this.data.ackPoints : [];
  }

  /** Records after `after` (default: the cursor), bounded by count and bytes. */
  pending(limit: number, maxBytes: number, after = this.ackedSeq): Promise<CommittedRecord[]> {
    return this.o.store.read(after, limit, maxBytes);
  }

  /** Wall time of the oldest unacknowledged record, or null when all are acknowledged. */
  oldestUnacked(): { seq: number; wall: number } | null {
    if (this.pendingCount === 0) return null;
    const e = this.o.store.entry(this.ackedSeq + 1);
    return e ? { seq: e.seq, wall: e.wall } : null;
  }

  /** The id of a held record (for dead-letter entries), '' when no longer held. */
  async idOf(seq: number): Promise<string> {
    const [r] = await this.o.store.read(seq - 1, 1);
    return r?.seq === seq ? r.id : '';
  }

  /** Everything up to `seq` is held by the central server; `rejected` go to dead letters. */
  async ackUpTo(
    seq: number,
    via: 'push' | 'pull',
    rejected: readonly { seq: number; id: string; reason: string }[] = [],
  ): Promise<void> {
    const now = this.o.clock.now();
    const d = this.data;
    for (const r of rejected) {
      if (r.seq > d.ackedSeq && !d.deadLetters.some((x) => x.seq === r.seq)) {
        d.deadLetters.push({ ...r, at: now });
        this.o.bus.emit('sync.deadLetter', { seq: r.seq, id: r.id, reason: r.reason });
      }
    }
    if (d.deadLetters.length > MAX_DEAD_LETTERS) d.deadLetters.splice(0, d.deadLetters.length - MAX_DEAD_LETTERS);
    const target = Math.min(seq, this.lastSeq);
    if (target > d.ackedSeq) {
      d.ackedSeq = target;
      const last = d.ackPoints.at(-1);
      if (last && now - last.at < ACK_POINT_MERGE_MS) last.seq = target;
      else d.ackPoints.push({ seq: target, at: now });
    }
    await this.file?.db.write();
    this.o.bus.emit('sync.progress', { via, ackedSeq: d.ackedSeq, lastSeq: this.lastSeq });
  }

  /** The central server holds only up to `seq` (restored from a backup): serve again from there. */
  async rewind(seq: number): Promise<void> {
    const d = this.data;
    if (seq >= d.ackedSeq) return;
    d.ackedSeq = Math.max(0, seq);
    // Earlier ack points claimed more than the central server now holds: cap them.
    for (const p of d.ackPoints) p.seq = Math.min(p.seq, d.ackedSeq);
    await this.file?.db.write();
  }
}
