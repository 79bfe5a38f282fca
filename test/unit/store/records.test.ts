import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson } from '../../../protocol/records/canonical.js';
import { cryptoSuite, type SuiteName } from '../../../protocol/records/crypto-suite.js';
import { chainProblems, GENESIS_HASH, recordProblem, sealRecord } from '../../../protocol/records/record-codec.js';
import type { CommittedRecord } from '../../../device/core/ports.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('refuses what JSON cannot carry, naming the field', () => {
    expect(() => canonicalJson({ a: { b: Number.POSITIVE_INFINITY } })).toThrow('/a/b: expected a finite number');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('/f: expected JSON data, got a function');
    expect(() => canonicalJson({ n: 10n })).toThrow('/n: expected JSON data, got a bigint');
  });
});

function chain(suite: SuiteName, n: number) {
  const curve = suite === 'sm' ? 'SM2' : 'prime256v1';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const signer = { boothId: 'booth-1', suite: cryptoSuite(suite), privateKey };
  const records: CommittedRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const r = sealRecord(signer, {
      id: `01J0000000000000000000000${seq}`,
      seq,
      kind: 'sign',
      time: { wall: 1_700_000_000_000 + seq, synced: seq % 2 === 0 },
      payload: { expert: 'E-1', scores: [seq, 2] },
      prevHash,
    });
    records.push(r);
    prevHash = r.hash;
  }
  return { records, opts: { suite: cryptoSuite(suite), boothId: 'booth-1', publicKey } };
}

describe.each(['p256', 'sm'] as const)('records with the %s suite', (suite) => {
  it('seal, link and verify', () => {
    const { records, opts } = chain(suite, 5);
    expect(records[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(chainProblems(records, { ...opts, startPrevHash: GENESIS_HASH })).toEqual([]);
  });

  it('detects a changed payload, a changed time, a forged signature, a removed record and another booth', () => {
    const { records, opts } = chain(suite, 4);
    const [r1, r2, r3, r4] = records as [CommittedRecord, CommittedRecord, CommittedRecord, CommittedRecord];
    expect(recordProblem({ ...r2, payload: { ...r2.payload, expert: 'E-2' } }, opts)).toMatch(/hash does not match/);
    expect(recordProblem({ ...r2, time: { ...r2.time, synced: !r2.time.synced } }, opts)).toMatch(
      /hash does not match/,
    );
    expect(recordProblem({ ...r2, signature: r3.signature }, opts)).toMatch(/signature does not verify/);
    expect(chainProblems([r1, r3, r4], opts)).toEqual([
      'record 3: expected seq 2',
      'record 3: prevHash does not link to record 1',
    ]);
    expect(recordProblem(r1, { ...opts, boothId: 'booth-2' })).toMatch(/hash does not match/);
  });

  it('seals blobs so that only the data key opens them and the name is bound', () => {
    const s = cryptoSuite(suite);
    const key = Buffer.alloc(32, 7);
    const plain = Buffer.from('dynamics: x,y,pressure,t ...');
    const sealed = s.seal(plain, key, Buffer.from('k-1'));
    expect(sealed.includes(plain)).toBe(false);
    expect(s.open(sealed, key, Buffer.from('k-1'))).toEqual(plain);
    expect(() => s.open(sealed, Buffer.alloc(32, 8), Buffer.from('k-1'))).toThrow(/authentication failed/);
    expect(() => s.open(sealed, key, Buffer.from('k-2'))).toThrow(/authentication failed/);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(() => s.open(flipped, key, Buffer.from('k-1'))).toThrow(/authentication failed/);
  });
});
