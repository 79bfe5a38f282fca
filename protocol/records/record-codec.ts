import type { KeyObject } from 'node:crypto';
import type { CommittedRecord, RecordKind, RecordTime } from './types.js';
import { canonicalJson } from './canonical.js';
import type { CryptoSuite } from './crypto-suite.js';

/**
 * How a record is hashed, chained and signed. The hash covers the record's content, its
 * position (seq, prevHash) and the booth it comes from, in canonical JSON; the signature is
 * over the hash. The central server verifies with the same functions (test/central/).
 */
export const RECORD_VERSION = 1;
/** prevHash of the first record of a booth. */
export const GENESIS_HASH = '0'.repeat(64);
export const RECORD_KINDS: readonly RecordKind[] = ['sign', 'audit', 'visit', 'session'];

export interface RecordSigner {
  readonly boothId: string;
  readonly suite: CryptoSuite;
  readonly privateKey: KeyObject;
}

export interface RecordDraft {
  id: string;
  seq: number;
  kind: RecordKind;
  time: RecordTime;
  payload: Record<string, unknown>;
  prevHash: string;
}

export function recordHash(suite: CryptoSuite, boothId: string, d: RecordDraft): string {
  return suite.hash(
    canonicalJson({
      v: RECORD_VERSION,
      boothId,
      id: d.id,
      seq: d.seq,
      kind: d.kind,
      time: d.time,
      payload: d.payload,
      prevHash: d.prevHash,
    }),
  );
}

export function sealRecord(signer: RecordSigner, d: RecordDraft): CommittedRecord {
  const hash = recordHash(signer.suite, signer.boothId, d);
  const signature = signer.suite.sign(Buffer.from(hash, 'hex'), signer.privateKey);
  return {
    id: d.id,
    seq: d.seq,
    kind: d.kind,
    time: d.time,
    payload: d.payload,
    prevHash: d.prevHash,
    hash,
    signature,
  };
}

export interface VerifyOptions {
  suite: CryptoSuite;
  boothId: string;
  /** Omit to check hashes and links only (fast); give it to check every signature too. */
  publicKey?: KeyObject;
}

/** What is wrong with one record, or null when it verifies. */
export function recordProblem(r: CommittedRecord, o: VerifyOptions): string | null {
  if (recordHash(o.suite, o.boothId, r) !== r.hash) return `record ${r.seq} (${r.id}): hash does not match its content`;
  if (o.publicKey && !o.suite.verify(Buffer.from(r.hash, 'hex'), r.signature, o.publicKey))
    return `record ${r.seq} (${r.id}): signature does not verify`;
  return null;
}

/**
 * Checks records in sequence order: each one's hash, signature (when a key is given), and that
 * it links to the one before (`prevHash` of the first is checked against `startPrevHash`).
 */
export function chainProblems(
  records: readonly CommittedRecord[],
  o: VerifyOptions & { startPrevHash?: string },
): string[] {
  const problems: string[] = [];
  let prev: CommittedRecord | undefined;
  for (const r of records) {
    const p = recordProblem(r, o);
    if (p) problems.push(p);
    if (prev) {
      if (r.seq !== prev.seq + 1) problems.push(`record ${r.seq}: expected seq ${prev.seq + 1}`);
      if (r.prevHash !== prev.hash) problems.push(`record ${r.seq}: prevHash does not link to record ${prev.seq}`);
    } else if (o.startPrevHash !== undefined && r.prevHash !== o.startPrevHash) {
      problems.push(`record ${r.seq}: prevHash does not link to the previous record`);
    }
    prev = r;
  }
  return problems;
}
