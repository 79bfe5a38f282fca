import { monotonicFactory } from 'ulid';
import { BoothError } from '../../protocol/errors.js';
import type { Clock } from '../core/ports.js';
import type { BoothSigner } from '../../protocol/records/signer-info.js';
import { buildBatch } from '../../protocol/sync/batch.js';
import type { Outbox } from './outbox.js';
import type { AckRequest, AckResponse, SignedBatch } from '../../protocol/sync/schemas.js';

interface Issued {
  batchHash: string;
  after: number;
  lastSeq: number;
  used: boolean;
}

/** Batches served and not yet acknowledged are remembered this many at a time. */
const MAX_ISSUED = 256;

/**
 * What the pull API does (the routes in pull-api.ts only validate and call these).
 * Each served batch gets a one-time id; an ack must name an issued batch, match its hash and
 * stay within it, and is accepted once: a replayed or forged ack changes nothing.
 * Used by: GET /sync/v1/batches, POST /sync/v1/ack.
 */
export class PullActions {
  private readonly issued = new Map<string, Issued>();
  private readonly newId = monotonicFactory();

  constructor(
    private readonly o: { outbox: Outbox; signer: BoothSigner; clock: Clock; maxBytes: number; maxLimit: number },
  ) {}

  async batches(after: number, limit: number): Promise<SignedBatch> {
    const { outbox } = this.o;
    if (after > outbox.lastSeq)
      throw new BoothError('BOOTH_ERR_BAD_INPUT', `after: expected at most ${outbox.lastSeq} (the booth's last seq)`, {
        lastSeq: outbox.lastSeq,
      });
    // Asking from below the cursor means the central server lost what it had acknowledged
    // (restored from a backup): serve again from there, and push resumes from there too.
    if (after < outbox.ackedSeq) await outbox.rewind(after);
    const records = await outbox.pending(Math.min(limit, this.o.maxLimit), this.o.maxBytes, after);
    const now = this.o.clock.now();
    const signed = buildBatch(this.o.signer, { batchId: this.newId(now), after, createdAt: now, records });
    this.issued.set(signed.batch.batchId, {
      batchHash: signed.batch.batchHash,
      after,
      lastSeq: signed.batch.lastSeq,
      used: false,
    });
    while (this.issued.size > MAX_ISSUED) {
      const oldest = this.issued.keys().next().value;
      if (oldest === undefined) break;
      this.issued.delete(oldest);
    }
    return signed;
  }

  async ack(req: AckRequest): Promise<AckResponse> {
    const { outbox, signer } = this.o;
    const refuse = (why: string) =>
      new BoothError('BOOTH_ERR_SYNC_ACK_REJECTED', `ack refused: ${why}`, { batchId: req.batchId });
    if (req.boothId !== signer.boothId) throw refuse(`expected boothId ${signer.boothId}`);
    const b = this.issued.get(req.batchId);
    if (!b) throw refuse('unknown batch (never served, expired, or the booth restarted): pull again');
    if (b.used) throw refuse('this batch was already acknowledged (replayed ack)');
    if (b.batchHash !== req.batchHash) throw refuse('batchHash does not match the batch served');
    if (req.upTo < b.after || req.upTo > b.lastSeq)
      throw refuse(`upTo: expected between ${b.after} and ${b.lastSeq} (the batch served)`);
    b.used = true;
    const rejected = [];
    for (const r of req.rejected ?? [])
      if (r.seq > b.after && r.seq <= req.upTo)
        rejected.push({ seq: r.seq, id: await outbox.idOf(r.seq), reason: r.reason });
    await outbox.ackUpTo(req.upTo, 'pull', rejected);
    return { ackedSeq: outbox.ackedSeq, lastSeq: outbox.lastSeq };
  }
}
