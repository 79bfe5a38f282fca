import { BlobRefs } from './blob-refs.js';
import type { BlobStore } from './blobs.js';
import type { Journal } from './journal.js';
import type { AckPoint } from './store-state.js';

const DAY = 86_400_000;

/**
 * Retention of records and the blobs they reference: a journal segment is deleted when every
 * record in it was acknowledged by the central server at least `days` ago; a blob goes when the
 * last retained record naming it went. Nothing unacknowledged is ever deleted, and the newest
 * segment always stays (it carries the chain head).
 */
export interface RetentionDeps {
  journal: Journal;
  blobs: BlobStore;
  days: number;
}

export class Retention {
  constructor(private readonly d: RetentionDeps) {}

  /** The highest seq acknowledged at or before `now - days`. */
  horizon(points: readonly AckPoint[], now: number): number {
    const cutoff = now - this.d.days * DAY;
    let seq = 0;
    for (const p of points) if (p.at <= cutoff && p.seq > seq) seq = p.seq;
    return seq;
  }

  async sweep(points: readonly AckPoint[], now: number): Promise<number> {
    const horizon = this.horizon(points, now);
    const { journal } = this.d;
    const segments = journal.segmentList();
    const doomed = segments.slice(0, -1).filter((s) => s.lastSeq <= horizon);
    if (doomed.length === 0) return 0;
    const last = doomed.at(-1);
    if (!last) return 0;
    // Read the records first: the blobs they name go too, unless a retained record names them.
    const records = await journal.read(journal.firstSeq - 1, last.lastSeq - journal.firstSeq + 1);
    const names = new Set(doomed.map((s) => s.name));
    const dropped = await journal.dropSegments((s) => names.has(s.name));
    const droppedUpTo = dropped.at(-1)?.lastSeq ?? 0;
    const candidates = new Set<string>();
    let count = 0;
    for (const r of records) {
      if (r.seq > droppedUpTo) break;
      count++;
      for (const id of BlobRefs.idsIn(r.payload)) candidates.add(id);
    }
    if (candidates.size > 0) {
      // A full scan of what stays, but only on a sweep that freed blobs (hourly at most): cheaper
      // than keeping a reference count of every blob in memory for the life of the booth.
      for (let after = journal.firstSeq - 1; after < journal.lastSeq && candidates.size > 0;) {
        const chunk = await journal.read(after, 5000);
        for (const r of chunk) for (const id of BlobRefs.idsIn(r.payload)) candidates.delete(id);
        after = chunk.at(-1)?.seq ?? journal.lastSeq;
      }
      for (const id of candidates) await this.d.blobs.delete(id);
    }
    return count;
  }
}
