import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { GENESIS_HASH, sealRecord } from '../../../protocol/records/record-codec.js';
import { signerFromKeyPem } from '../../../device/store/signer.js';
import { signerKeyFromInfo } from '../../../protocol/records/signer-info.js';
import { batchProblems, buildBatch } from '../../../protocol/sync/batch.js';
import type { CommittedRecord } from '../../../device/core/ports.js';

function keyPem(curve: string): string {
  return generateKeyPairSync('ec', { namedCurve: curve })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

const identityPem = keyPem('prime256v1');
const identityPublic = createPublicKey(identityPem);

function recordsFor(signer: ReturnType<typeof signerFromKeyPem>, n: number, from = 1): CommittedRecord[] {
  const out: CommittedRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = from; seq < from + n; seq++) {
    const r = sealRecord(signer, {
      id: `01J00000000000000000000${seq}`.slice(0, 26),
      seq,
      kind: 'audit',
      time: { wall: seq, synced: true },
      payload: { seq },
      prevHash,
    });
    out.push(r);
    prevHash = r.hash;
  }
  return out;
}

describe.each([
  ['ecdsa-p256-sha256', () => signerFromKeyPem('booth-1', identityPem)],
  ['sm2-sm3', () => signerFromKeyPem('booth-1', keyPem('SM2'), identityPem)],
] as const)('signed batches (%s)', (alg, make) => {
  const signer = make();
  const key = signerKeyFromInfo(signer.info, identityPublic);

  it('verify with the key the booth certificate vouches for', () => {
    expect(signer.info.alg).toBe(alg);
    expect(key).not.toBeNull();
    const sb = buildBatch(signer, {
      batchId: '01J0000000000000000000BATC',
      after: 0,
      createdAt: 5,
      records: recordsFor(signer, 3),
    });
    expect(sb.batch).toMatchObject({ boothId: 'booth-1', after: 0, firstSeq: 1, lastSeq: 3, count: 3 });
    expect(batchProblems(sb, key ?? identityPublic)).toEqual([]);
    const empty = buildBatch(signer, { batchId: '01J0000000000000000000BATD', after: 3, createdAt: 5, records: [] });
    expect(empty.batch).toMatchObject({ firstSeq: 3, lastSeq: 3, count: 0 });
    expect(batchProblems(empty, key ?? identityPublic)).toEqual([]);
  });

  it('catch a dropped record, a changed header, a forged batch signature and a foreign key', () => {
    const records = recordsFor(signer, 3);
    const sb = buildBatch(signer, { batchId: '01J0000000000000000000BATC', after: 0, createdAt: 5, records });
    const k = key ?? identityPublic;
    expect(batchProblems({ ...sb, batch: { ...sb.batch, records: sb.batch.records.slice(1) } }, k)).toContain(
      'count 3 but 2 records',
    );
    expect(batchProblems({ ...sb, batch: { ...sb.batch, after: 1 } }, k)).toContain(
      'batchHash does not match the batch',
    );
    const other = buildBatch(signer, { batchId: '01J0000000000000000000BATE', after: 0, createdAt: 5, records });
    expect(batchProblems({ ...sb, signature: other.signature }, k)).toContain('batch signature does not verify');
    const stranger = createPublicKey(keyPem('prime256v1'));
    expect(signerKeyFromInfo(signer.info, stranger) === null || batchProblems(sb, stranger).length > 0).toBe(true);
  });
});
