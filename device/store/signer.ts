import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateIdentity, identityPaths, type BoothIdentity } from '../crypto/identity.js';
import { readIfExists, writeFileDurable } from '../crypto/key-files.js';
import { cryptoSuite, generateSm2KeyPair, type SuiteName } from './crypto-suite.js';
import type { RecordSigner } from './record-codec.js';

/**
 * The key that signs records and batches. With the p256 suite it is the booth's identity key
 * (the one in its certificate). With the sm suite it is a separate SM2 key kept beside it, and
 * the identity key signs the SM2 public key (the binding): a verifier that trusts the booth's
 * certificate can then trust SM2 signatures without a second certificate.
 */
export interface SignerInfo {
  alg: string;
  publicKeyPem: string;
  /** base64 ECDSA P-256 signature (identity key) over the SM2 public key PEM; sm suite only. */
  binding?: string;
}

export interface BoothSigner extends RecordSigner {
  readonly identity: BoothIdentity;
  readonly publicKey: KeyObject;
  readonly info: SignerInfo;
}

export async function loadSigner(dataDir: string, boothId: string, suiteName: SuiteName): Promise<BoothSigner> {
  const identity = await loadOrCreateIdentity(dataDir, boothId);
  const suite = cryptoSuite(suiteName);
  if (suiteName === 'p256') {
    const privateKey = createPrivateKey(identity.privateKeyPem);
    return {
      boothId,
      suite,
      identity,
      privateKey,
      publicKey: createPublicKey(privateKey),
      info: { alg: suite.signatureAlg, publicKeyPem: identity.certificate.publicKeyPem },
    };
  }
  const path = join(identityPaths(dataDir).dir, 'booth-sm2.key.pem');
  let pem = await readIfExists(path);
  if (!pem) {
    pem = generateSm2KeyPair().privateKeyPem;
    await writeFileDurable(path, pem, 0o600);
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const binding = sign('sha256', Buffer.from(publicKeyPem), createPrivateKey(identity.privateKeyPem)).toString(
    'base64',
  );
  return { boothId, suite, identity, privateKey, publicKey, info: { alg: suite.signatureAlg, publicKeyPem, binding } };
}

/**
 * Verifier side: the public key that checks a booth's signatures, given the booth's certificate
 * public key (from mutual TLS) and the signer info it sent; null when the info is not backed by
 * the certificate.
 */
export function signerKeyFromInfo(info: SignerInfo, certificatePublicKey: KeyObject): KeyObject | null {
  try {
    if (info.alg === 'ecdsa-p256-sha256') return certificatePublicKey;
    if (info.alg !== 'sm2-sm3' || !info.binding) return null;
    if (!verify('sha256', Buffer.from(info.publicKeyPem), certificatePublicKey, Buffer.from(info.binding, 'base64')))
      return null;
    return createPublicKey(info.publicKeyPem);
  } catch {
    return null;
  }
}
