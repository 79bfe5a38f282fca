import type { KeyObject } from 'node:crypto';
import type { CommittedRecord } from '../records/types.js';
import { canonicalJson } from '../records/canonical.js';
import { suiteForAlg } from '../records/crypto-suite.js';
import { chainProblems } from '../records/record-codec.js';
import type { BoothSigner, SignerInfo } from '../records/signer-info.js';
import type { Batch, SignedBatch } from './schemas.js';

/**
 * A batch: records after a sequence number, with a hash over its header and the record hashes,
 * signed by the booth. Push sends one; the pull API serves one. Verification is shared with the
 * reference central server.
 */
export function batchHash(
  suiteAlg: string,
  b: Omit<Batch, 'batchHash' | 'records' | 'signer' | 'v'>,
  hashes: string[],
): string {
  const suite = suiteForAlg(suiteAlg);
  if (!suite) throw new Error(`unknown signature algorithm ${suiteAlg}`);
  return suite.hash(
    canonicalJson({
      boothId: b.boothId,
      batchId: b.batchId,
      after: b.after,
      firstSeq: b.firstSeq,
      lastSeq: b.lastSeq,
      count: b.count,
      createdAt: b.createdAt,
      hashes,
    }),
  );
}

export function buildBatch(
  signer: BoothSigner,
  o: { batchId: string; after: number; createdAt: number; records: CommittedRecord[] },
): SignedBatch {
  const first = o.records[0];
  const last = o.records.at(-1);
  const header = {
    boothId: signer.boothId,
    batchId: o.batchId,
    after: o.after,
    firstSeq: first?.seq ?? o.after,
    lastSeq: last?.seq ?? o.after,
    count: o.records.length,
    createdAt: o.createdAt,
  };
  const hash = batchHash(
    signer.info.alg,
    header,
    o.records.map((r) => r.hash),
  );
  const batch: Batch = {
    v: 1,
    ...header,
    signer: signer.info as Batch['signer'],
    records: o.records as Batch['records'],
    batchHash: hash,
  };
  return { batch, signature: signer.suite.sign(Buffer.from(hash, 'hex'), signer.privateKey) };
}

/**
 * Everything wrong with a signed batch, given the key its signer info resolves to (the
 * caller derives it from the peer's certificate with signerKeyFromInfo): batch hash, batch
 * signature, and each record's hash, signature and link inside the batch. With
 * `recordSignatures: false` the records' signatures are left to the caller (the central
 * server checks them on worker threads); everything else is checked here.
 */
export function batchProblems(
  sb: SignedBatch,
  signerKey: KeyObject,
  info: SignerInfo = sb.batch.signer,
  o: { recordSignatures?: boolean } = {},
): string[] {
  const b = sb.batch;
  const suite = suiteForAlg(info.alg);
  if (!suite) return [`unknown signature algorithm ${info.alg}`];
  const problems: string[] = [];
  const records = b.records as CommittedRecord[];
  if (records.length !== b.count) problems.push(`count ${b.count} but ${records.length} records`);
  if (records.length > 0 && (records[0]?.seq !== b.firstSeq || records.at(-1)?.seq !== b.lastSeq))
    problems.push('firstSeq/lastSeq do not match the records');
  if (records.length > 0 && b.firstSeq !== b.after + 1)
    problems.push(`firstSeq ${b.firstSeq} does not follow after=${b.after}`);
  const want = batchHash(
    info.alg,
    b,
    records.map((r) => r.hash),
  );
  if (want !== b.batchHash) problems.push('batchHash does not match the batch');
  else if (!suite.verify(Buffer.from(b.batchHash, 'hex'), sb.signature, signerKey))
    problems.push('batch signature does not verify');
  problems.push(
    ...chainProblems(records, {
      suite,
      boothId: b.boothId,
      ...(o.recordSignatures === false ? {} : { publicKey: signerKey }),
    }),
  );
  return problems;
}
