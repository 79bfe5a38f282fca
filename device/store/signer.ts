import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { join } from 'node:path';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { cryptoSuite, generateSm2KeyPair, type SuiteName } from '../../protocol/records/crypto-suite.js';
import type { BoothSigner } from '../../protocol/records/signer-info.js';

/**
 * The key that signs records and batches. With the p256 suite it is the booth's identity key
 * (the one in its certificate). With the sm suite it is a separate SM2 key kept beside it, and
 * the identity key signs the SM2 public key (the binding): a verifier that trusts the booth's
 * certificate can then trust SM2 signatures without a second certificate.
 */
export async function loadSigner(dataDir: string, boothId: string, suiteName: SuiteName): Promise<BoothSigner> {
  // Imported on demand: X.509 (@peculiar/x509) is slow to load and only needed here at first start.
  const { loadOrCreateIdentity, identityPaths } = await import('../crypto/identity.js');
  const identity = await loadOrCreateIdentity(dataDir, boothId);
  if (suiteName === 'p256') return signerFromKeyPem(boothId, identity.privateKeyPem);
  const path = join(identityPaths(dataDir).dir, 'booth-sm2.key.pem');
  let pem = await readIfExists(path);
  if (!pem) {
    pem = generateSm2KeyPair().privateKeyPem;
    await writeFileDurable(path, pem, 0o600);
  }
  return signerFromKeyPem(boothId, pem, identity.privateKeyPem);
}

/**
 * A signer from a private key PEM: the identity key (p256), or an SM2 key plus the identity
 * key that binds it (sm).
 */
export function signerFromKeyPem(boothId: string, pem: string, identityKeyPem?: string): BoothSigner {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!identityKeyPem) {
    const suite = cryptoSuite('p256');
    return { boothId, suite, privateKey, publicKey, info: { alg: suite.signatureAlg, publicKeyPem } };
  }
  const suite = cryptoSuite('sm');
  const binding = sign('sha256', Buffer.from(publicKeyPem), createPrivateKey(identityKeyPem)).toString('base64');
  return { boothId, suite, privateKey, publicKey, info: { alg: suite.signatureAlg, publicKeyPem, binding } };
}
