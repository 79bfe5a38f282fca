import type { Agent } from 'node:https';
import { signerKeyFromInfo } from '../../protocol/records/signer-info.js';
import { batchProblems } from '../../protocol/sync/batch.js';
import type { AckResponse, SignedBatch } from '../../protocol/sync/schemas.js';
import type { CentralLedger } from './ledger.js';
import type { CentralBlobs } from './blobs.js';
import { httpsBuffer, httpsJson } from './https-json.js';
import { blobsNamedBy } from '../../device/sync/signed-blobs.js';
import type { CommittedRecord } from '../../device/core/ports.js';

export interface PullResult {
  batches: number;
  records: number;
  stored: number;
  lastAck: AckResponse | null;
  /** Blob transfers: where each started (a Range resume starts above 0) and the booth's status. */
  blobFetches: { id: string; from: number; status: number }[];
}

/**
 * Fetches what the central server lacks of a blob from the booth, resuming with `Range` from
 * what it holds; true once the blob is complete (checked by hash in CentralBlobs).
 */
async function fetchBlob(
  o: { blobs: CentralBlobs; agent: Agent; boothUrl: string },
  id: string,
  log: PullResult['blobFetches'],
): Promise<boolean> {
  const held = o.blobs.status(id);
  if (held.complete) return true;
  const from = held.received;
  const res = await httpsBuffer(`${o.boothUrl}/sync/v1/blobs/${id}`, {
    agent: o.agent,
    ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
  }).catch(() => null);
  log.push({ id, from, status: res?.status ?? 0 });
  if (!res) return false;
  if (res.status === 206) {
    const size = Number(/\/(\d+)$/.exec(String(res.headers['content-range']))?.[1]);
    return o.blobs.put(id, from, size, res.body, 'pull').ok && o.blobs.isComplete(id);
  }
  if (res.status !== 200) return false;
  // The whole blob (the booth ignored the range): start over.
  o.blobs.held.delete(id);
  return o.blobs.put(id, 0, res.body.length, res.body, 'pull').ok && o.blobs.isComplete(id);
}

/**
 * The central side of the pull API: asks a booth for batches after what it holds, checks the
 * booth's certificate (TLS, pinned CA) and every signature and link, stores, acknowledges, and
 * repeats until the booth has nothing more. `after` overrides where to start (tests).
 */
export async function pullFromBooth(o: {
  ledger: CentralLedger;
  blobs: CentralBlobs;
  agent: Agent;
  boothUrl: string;
  boothId: string;
  limit?: number;
  after?: number;
}): Promise<PullResult> {
  const result: PullResult = { batches: 0, records: 0, stored: 0, lastAck: null, blobFetches: [] };
  const get = (after: number) => {
    const p = httpsJson(`${o.boothUrl}/sync/v1/batches?after=${after}&limit=${o.limit ?? 1000}`, { agent: o.agent });
    p.catch(() => undefined); // a prefetch that is not used must not become an unhandled rejection
    return { after, p };
  };
  let next = get(o.after ?? o.ledger.ledger(o.boothId).lastSeq);
  for (;;) {
    const res = await next.p;
    if (res.status !== 200) throw new Error(`pull: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const sb = res.body as SignedBatch;
    if (sb.batch.count === 0) {
      result.batches++;
      break;
    }
    // Ask for the next batch while this one is verified and stored (the booth serves it meanwhile).
    next = get(sb.batch.lastSeq);
    if (!res.peer || sb.batch.boothId !== o.boothId || !res.peer.subject.includes(`CN=${o.boothId}`))
      throw new Error(`pull: batch of ${sb.batch.boothId} served by ${res.peer?.subject ?? 'nobody'}`);
    const key = signerKeyFromInfo(sb.batch.signer, res.peer.publicKey);
    if (!key) throw new Error('pull: batch signer is not backed by the booth certificate');
    const problems = batchProblems(sb, key);
    if (problems.length) throw new Error(`pull: batch does not verify: ${problems.join('; ')}`);
    result.batches++;
    // The sealed revisions the sign records name come first; a record whose blobs cannot be
    // fetched ends what is stored (the next pull starts there).
    const records = sb.batch.records as CommittedRecord[];
    fetching: for (const r of records)
      for (const id of blobsNamedBy(r)) if (!(await fetchBlob(o, id, result.blobFetches))) break fetching;
    const { acks, centralLastSeq } = o.ledger.accept(o.boothId, sb.batch.after, records, (r) =>
      blobsNamedBy(r).every((id) => o.blobs.isComplete(id)),
    );
    result.records += sb.batch.count;
    result.stored += acks.filter((a) => a.status === 'stored').length;
    const ack = await httpsJson(`${o.boothUrl}/sync/v1/ack`, {
      method: 'POST',
      agent: o.agent,
      body: {
        boothId: o.boothId,
        batchId: sb.batch.batchId,
        batchHash: sb.batch.batchHash,
        upTo: Math.min(centralLastSeq, sb.batch.lastSeq),
        rejected: acks.filter((a) => a.status === 'rejected').map((a) => ({ seq: a.seq, reason: a.reason ?? '' })),
      },
    });
    if (ack.status !== 200) throw new Error(`pull: ack HTTP ${ack.status} ${JSON.stringify(ack.body)}`);
    result.lastAck = ack.body as AckResponse;
    if (centralLastSeq <= sb.batch.after) break;
    // Stored less than the whole batch: the prefetched batch starts at the wrong place.
    if (centralLastSeq !== next.after) next = get(centralLastSeq);
  }
  return result;
}
