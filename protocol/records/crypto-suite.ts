import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { BoothError } from '../errors.js';

/**
 * The two cryptographic suites a booth can run with (config store.crypto):
 * - p256: SHA-256 hash chain, ECDSA P-256 signatures, AES-256-GCM for data at rest;
 * - sm:   SM3 hash chain, SM2 signatures, SM4 for data at rest.
 * Node 20's OpenSSL 3 here offers SM2 (as EC curve "SM2"), SM3 and SM4-CTR but no SM4-GCM,
 * so the sm suite encrypts with SM4-CTR and authenticates with HMAC-SM3 (encrypt-then-MAC).
 */
export type SuiteName = 'p256' | 'sm';

export interface CryptoSuite {
  readonly name: SuiteName;
  /** Name of the signature algorithm, carried in batches so a verifier knows what to check. */
  readonly signatureAlg: 'ecdsa-p256-sha256' | 'sm2-sm3';
  hash(data: string | Buffer): string;
  sign(data: Buffer, key: KeyObject): string;
  verify(data: Buffer, signature: string, key: KeyObject): boolean;
  /** Authenticated encryption; `aad` binds the ciphertext to its name (a blob id). */
  seal(plain: Buffer, key: Buffer, aad: Buffer): Buffer;
  open(sealed: Buffer, key: Buffer, aad: Buffer): Buffer;
  /** Keyed hash for naming sensitive blobs without revealing a hash of their plaintext. */
  mac(data: Buffer, key: Buffer): string;
}

const MAGIC = Buffer.from('BBE1');

function tampered(what: string): BoothError {
  return new BoothError('BOOTH_ERR_STORE_FAULT', `${what}: authentication failed (corrupt or wrong data key)`);
}

const p256: CryptoSuite = {
  name: 'p256',
  signatureAlg: 'ecdsa-p256-sha256',
  hash: (d) => createHash('sha256').update(d).digest('hex'),
  sign: (d, key) => sign('sha256', d, key).toString('base64'),
  verify: (d, s, key) => verify('sha256', d, key, Buffer.from(s, 'base64')),
  seal(plain, key, aad) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([MAGIC, Buffer.from([1]), iv, c.getAuthTag(), body]);
  },
  open(sealed, key, aad) {
    if (sealed.length < 33 || !sealed.subarray(0, 4).equals(MAGIC) || sealed[4] !== 1) throw tampered('blob');
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(5, 17)).setAAD(aad);
    d.setAuthTag(sealed.subarray(17, 33));
    try {
      return Buffer.concat([d.update(sealed.subarray(33)), d.final()]);
    } catch {
      throw tampered('blob');
    }
  },
  mac: (d, key) => createHmac('sha256', key).update(d).digest('hex'),
};

/** Separate encryption and MAC keys from the one data key (never reuse a key across primitives). */
function smKeys(key: Buffer): { enc: Buffer; mac: Buffer } {
  const h = (label: string) => createHmac('sm3', key).update(label).digest();
  return { enc: h('sm4-enc').subarray(0, 16), mac: h('hmac-sm3') };
}

const sm: CryptoSuite = {
  name: 'sm',
  signatureAlg: 'sm2-sm3',
  hash: (d) => createHash('sm3').update(d).digest('hex'),
  sign: (d, key) => sign('sm3', d, key).toString('base64'),
  verify: (d, s, key) => verify('sm3', d, key, Buffer.from(s, 'base64')),
  seal(plain, key, aad) {
    const k = smKeys(key);
    const iv = randomBytes(16);
    const c = createCipheriv('sm4-ctr', k.enc, iv);
    const body = Buffer.concat([c.update(plain), c.final()]);
    const head = Buffer.concat([MAGIC, Buffer.from([2]), iv]);
    const tag = createHmac('sm3', k.mac).update(aad).update(head).update(body).digest();
    return Buffer.concat([head, tag, body]);
  },
  open(sealed, key, aad) {
    if (sealed.length < 53 || !sealed.subarray(0, 4).equals(MAGIC) || sealed[4] !== 2) throw tampered('blob');
    const k = smKeys(key);
    const head = sealed.subarray(0, 21);
    const tag = sealed.subarray(21, 53);
    const body = sealed.subarray(53);
    const want = createHmac('sm3', k.mac).update(aad).update(head).update(body).digest();
    if (!timingSafeEqual(tag, want)) throw tampered('blob');
    const d = createDecipheriv('sm4-ctr', k.enc, head.subarray(5, 21));
    return Buffer.concat([d.update(body), d.final()]);
  },
  mac: (d, key) => createHmac('sm3', key).update(d).digest('hex'),
};

export function cryptoSuite(name: SuiteName): CryptoSuite {
  return name === 'sm' ? sm : p256;
}

export function suiteForAlg(alg: string): CryptoSuite | null {
  if (alg === p256.signatureAlg) return p256;
  if (alg === sm.signatureAlg) return sm;
  return null;
}

/** A fresh SM2 key pair (PEM), for booths configured with the sm suite. */
export function generateSm2KeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}
