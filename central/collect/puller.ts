import { BLOB_ID } from '../blobs.js';
import type { SignedBatch } from '../../protocol/sync/schemas.js';
import type { CentralContext } from '../context.js';
import { appendBlob, blobStatus } from './blob-ledger.js';
import { BoothClient, type PulledBatch } from './booth-client.js';
import { ingestBatch } from './ingest.js';

/**
 * Pulls one booth until it has nothing more: batches after the chain head the ledger holds,
 * the sealed revisions their sign records name (resuming with Range what is partly held),
 * ingestion (central/collect/ingest.ts: verified, stored once, whoever else stores this booth
 * at the same time), then the acknowledgement the booth's cursor moves on (rejected records
 * listed, they go to its dead letters). The next batch is asked for while one is stored.
 */
export interface PullOutcome {
  boothId: string;
  batches: number;
  records: number;
  stored: number;
  duplicates: number;
  rejected: number;
  blobs: number;
  lastSeq: number;
}

export interface PullTarget {
  id: string;
  pullUrl: string;
}

/** Blob ids the sign records of a batch name (shape-checked only: ingestion validates the payload). */
export function blobsOfBatch(signed: SignedBatch): string[] {
  const ids = new Set<string>();
  for (const r of signed.batch.records) {
    if (r.kind !== 'sign') continue;
    const docs = (r.payload as { documents?: unknown }).documents;
    if (!Array.isArray(docs)) continue;
    for (const d of docs) {
      const blob = (d as { blob?: unknown } | null)?.blob;
      if (typeof blob === 'string' && BLOB_ID.test(blob)) ids.add(blob);
    }
  }
  return [...ids];
}

async function headOf(ctx: CentralContext, boothId: string): Promise<number> {
  const r = await ctx.db.query<{ last_seq: number }>('SELECT last_seq FROM chain_heads WHERE booth_id = $1', [boothId]);
  return r.rows[0]?.last_seq ?? 0;
}

export async function pullBooth(
  ctx: CentralContext,
  target: PullTarget,
  o: { limit?: number; client?: BoothClient } = {},
): Promise<PullOutcome> {
  const client = o.client ?? new BoothClient(ctx, target.id, target.pullUrl);
  const limit = o.limit ?? ctx.config.collect.batchLimit;
  const out: PullOutcome = {
    boothId: target.id,
    batches: 0,
    records: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    blobs: 0,
    lastSeq: 0,
  };
  const fetchFrom = (after: number) => {
    const p = client.batches(after, limit);
    p.catch(() => undefined); // a prefetch that is not used must not become an unhandled rejection
    return { after, p };
  };
  try {
    let next = fetchFrom(await headOf(ctx, target.id));
    let address = '';
    for (;;) {
      const pulled: PulledBatch = await next.p;
      address = pulled.address;
      const b = pulled.signed.batch;
      if (b.count === 0) break;
      next = fetchFrom(b.lastSeq);
      for (const id of blobsOfBatch(pulled.signed)) {
        const held = await blobStatus(ctx, id);
        if (held.complete) continue;
        await client.blob(id, held.received, (offset, size, piece) => appendBlob(ctx, id, offset, size, piece));
        out.blobs++;
      }
      const r = await ingestBatch(ctx, {
        boothId: target.id,
        certSerial: pulled.peer.serialNumber.toUpperCase(),
        signed: pulled.signed,
        via: 'pull',
      });
      out.batches++;
      out.records += b.count;
      out.stored += r.stored;
      out.duplicates += r.duplicates;
      out.rejected += r.rejected;
      // Acks are contiguous from the batch's first record: what is held up to there.
      const upTo = Math.max(b.after, Math.min(b.lastSeq, r.acks.at(-1)?.seq ?? b.after));
      await client.ack({
        boothId: target.id,
        batchId: b.batchId,
        batchHash: b.batchHash,
        upTo,
        rejected: r.acks
          .filter((a) => a.status === 'rejected' && a.seq <= upTo)
          .map((a) => ({ seq: a.seq, reason: (a.reason ?? 'rejected').slice(0, 500) })),
      });
      out.lastSeq = Math.max(out.lastSeq, r.centralLastSeq);
      if (upTo <= b.after) break; // no progress (a sealed revision could not be held): next round
      if (upTo !== next.after) next = fetchFrom(upTo);
    }
    out.lastSeq = Math.max(out.lastSeq, await headOf(ctx, target.id));
    await ctx.db.query('UPDATE booths SET last_contact_at = $2, last_address = $3 WHERE id = $1', [
      target.id,
      new Date(ctx.clock.now()),
      address || null,
    ]);
    return out;
  } finally {
    if (!o.client) client.close();
  }
}
