import { afterAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { VerifyPool } from '../../central/collect/verify-pool.js';
import { cryptoSuite } from '../../protocol/records/crypto-suite.js';

/** Record signatures checked on worker threads give the same answer as on the event loop, for both suites. */
const pools = [new VerifyPool(0), new VerifyPool(1), new VerifyPool(3)];
afterAll(async () => {
  for (const p of pools) await p.close();
});

describe.each(['p256', 'sm'] as const)('signature checks (%s)', (name) => {
  const suite = cryptoSuite(name);
  // Keys as the booth and the central hold them: from PEM (an SM2 key read from PEM signs with
  // SM2 proper, one fresh from generateKeyPair with plain ECDSA on the SM2 curve).
  const pair = generateKeyPairSync('ec', { namedCurve: name === 'sm' ? 'SM2' : 'P-256' });
  const privateKey = createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const publicKey = createPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' }));
  const hashes = Array.from({ length: 700 }, (_, i) => suite.hash(`record ${i}`));
  const signatures = hashes.map((h) => suite.sign(Buffer.from(h, 'hex'), privateKey));
  signatures[5] = signatures[6] ?? '';
  signatures[650] = 'not base64 at all!';

  it.each(pools.map((p) => [p.threads, p] as const))(
    'with %i thread(s) finds exactly the bad ones',
    async (_n, pool) => {
      expect(await pool.badSignatures(suite, publicKey, hashes, signatures)).toEqual([5, 650]);
    },
  );
});
