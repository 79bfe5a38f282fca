import { createReadStream, type ReadStream } from 'node:fs';
import { monotonicFactory } from 'ulid';
import { BoothError } from '../../protocol/errors.js';
import type { Clock } from '../core/ports.js';
import type { BoothSigner } from '../../protocol/records/signer-info.js';
import { buildBatch } from '../../protocol/sync/batch.js';
import type { Outbox } from './outbox.js';
import type { SignedBlobs } from './signed-blobs.js';
import type { JournalRecordStore } from '../store/record-store.js';
import type { AckRequest, AckResponse, SignedBatch } from '../../protocol/sync/schemas.js';

interface Issued {
  batchHash: string;
  after: number;
  lastSeq: number;
  used: boolean;
}

/** What GET /sync/v1/blobs/:id sends: the whole blob (200) or its tail from a Range start (206). */
export interface BlobReply {
  status: 200 | 206;
  headers: Record<string, string>;
  stream: ReadStream;
}

/** `bytes=N-` or `bytes=N-M`: one range; anything else is ignored (the whole blob is sent, RFC 9110). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'bad';
  return { start, end };
}

/** Batches served and not yet acknowledged are remembered this many at a time. */
const MAX_ISSUED = 256;

/**
 * What the pull API does (the routes in pull-api.ts only validate and call these).
 * Each served batch gets a one-time id; an ack must name an issued batch, match its hash and
 * stay within it, and is accepted once: a replayed or forged ack changes nothing.
 * Used by: GET /sync/v1/batches, POST /sync/v1/ack, GET /sync/v1/blobs/:id.
 */
export class PullActions {
  private readonly issued = new Map<string, Issued>();
  private readonly newId = monotonicFactory();

  constructor(
    private readonly o: {
      outbox: Outbox;
      signer: BoothSigner;
      clock: Clock;
      maxBytes: number;
      maxLimit: number;
      /** The sealed revisions the sign records name, and the store holding them. */
      blobs: { named: SignedBlobs; store: JournalRecordStore };
    },
  ) {}

  /**
   * A sealed revision named by a committed sign record, streamed from its file; `Range:
   * bytes=N-` resumes an interrupted transfer. Any other blob (not named by a sign record,
   * sensitive, unknown) is not found: nothing else of the store is served.
   */
  async blob(id: string, range: string | undefined): Promise<BlobReply> {
    const notFound = () => new BoothError('BOOTH_ERR_NOT_FOUND', `blob ${id}: no sign record names it`);
    if (!(await this.o.blobs.named.isNamed(id))) throw notFound();
    const file = await this.o.blobs.store.blobFile(id);
    if (!file) throw notFound();
    const r = parseRange(range, file.size);
    if (r === 'bad')
      throw new BoothError(
        'BOOTH_ERR_RANGE_NOT_SATISFIABLE',
        `blob ${id}: range ${range} is outside its ${file.size} bytes`,
        {
          size: file.size,
        },
      );
    const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (!r)
      return {
        status: 200,
        headers: { ...headers, 'content-length': String(file.size) },
        stream: createReadStream(file.path),
      };
    return {
      status: 206,
      headers: {
        ...headers,
        'content-length': String(r.end - r.start + 1),
        'content-range': `bytes ${r.start}-${r.end}/${file.size}`,
      },
      stream: createReadStream(file.path, { start: r.start, end: r.end }),
    };
  }

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
