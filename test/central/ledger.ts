import type { CommittedRecord } from '../../device/core/ports.js';
import { GENESIS_HASH } from '../../protocol/records/record-codec.js';
import type { AckStatus } from '../../protocol/sync/schemas.js';

/**
 * What the reference central server holds per booth: the verified records in sequence order,
 * the ones it rejected by policy (their hashes still continue the chain), and the chain head.
 * Storing is idempotent by id: a record already held is acknowledged as a duplicate.
 */
export interface BoothLedger {
  lastSeq: number;
  lastHash: string;
  records: CommittedRecord[];
  rejected: { seq: number; id: string; reason: string }[];
}

export interface Ack {
  seq: number;
  id: string;
  status: AckStatus;
  reason?: string;
}

/** A policy check on content that is authentic but unacceptable; returns a reason or null. */
export type RecordPolicy = (r: CommittedRecord) => string | null;

export class CentralLedger {
  booths = new Map<string, BoothLedger>();

  constructor(private readonly policy: RecordPolicy = () => null) {}

  ledger(boothId: string): BoothLedger {
    let l = this.booths.get(boothId);
    if (!l) {
      l = { lastSeq: 0, lastHash: GENESIS_HASH, records: [], rejected: [] };
      this.booths.set(boothId, l);
    }
    return l;
  }

  /**
   * Takes verified, contiguous records following `after`. A batch starting beyond what is held
   * (a gap: the central server was restored from an older backup) stores nothing; the answer's
   * centralLastSeq tells the booth where to resume. A new record for which `ready` is false (a
   * sign record whose sealed revisions are not all held yet) ends what is stored: it and
   * everything after it are sent again once the blobs are there.
   */
  accept(
    boothId: string,
    after: number,
    records: readonly CommittedRecord[],
    ready: (r: CommittedRecord) => boolean = () => true,
  ): { acks: Ack[]; centralLastSeq: number } {
    const l = this.ledger(boothId);
    const acks: Ack[] = [];
    if (after > l.lastSeq) return { acks, centralLastSeq: l.lastSeq };
    for (const r of records) {
      if (r.seq <= l.lastSeq) {
        const held = l.records.find((x) => x.seq === r.seq) ?? l.rejected.find((x) => x.seq === r.seq);
        if (held && held.id === r.id) acks.push({ seq: r.seq, id: r.id, status: 'duplicate' });
        else
          acks.push({ seq: r.seq, id: r.id, status: 'rejected', reason: 'conflicts with the record held at this seq' });
        continue;
      }
      if (r.seq !== l.lastSeq + 1 || r.prevHash !== l.lastHash || !ready(r)) break;
      const reason = this.policy(r);
      if (reason) {
        l.rejected.push({ seq: r.seq, id: r.id, reason });
        acks.push({ seq: r.seq, id: r.id, status: 'rejected', reason });
      } else {
        l.records.push(r);
        acks.push({ seq: r.seq, id: r.id, status: 'stored' });
      }
      l.lastSeq = r.seq;
      l.lastHash = r.hash;
    }
    return { acks, centralLastSeq: l.lastSeq };
  }

  /** A deep copy: what a backup of the central database would hold. */
  backup(): Map<string, BoothLedger> {
    return structuredClone(this.booths);
  }

  restore(snapshot: Map<string, BoothLedger>): void {
    this.booths = structuredClone(snapshot);
  }
}
