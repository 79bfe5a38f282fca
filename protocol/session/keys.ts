import { createHash, createPublicKey, createPrivateKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { BoothError } from '../errors.js';
import { SIGNATURE_ALGORITHM } from './schema.js';
import { writeSigningBytes, type SigningContext } from './canonical.js';

/**
 * Keys of the session protocol: the central server signs (ECDSA P-256, SHA-256, DER signature)
 * and the booth's own P-256 key receives the roster. A key is named by its keyId, the SHA-256
 * of its SubjectPublicKeyInfo DER, so "signed by another key" is a comparison, not a guess.
 */

/** Accepts a public key, a certificate or a private key in PEM and returns the public key. */
export function publicKeyFrom(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error(`expected an EC P-256 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
    return key;
  } catch (err) {
    throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `not a usable P-256 public key: ${(err as Error).message}`);
  }
}

export function privateKeyFrom(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function keyId(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export interface SignatureBlock {
  algorithm: typeof SIGNATURE_ALGORITHM;
  keyId: string;
  value: string;
}

/** Signs a package or unlock command (central side: the reference server, the demo, tests). */
export function signDocument(
  context: SigningContext,
  document: Record<string, unknown>,
  privateKeyPem: string,
): SignatureBlock {
  const priv = privateKeyFrom(privateKeyPem);
  const pub = createPublicKey(priv);
  // Streamed into the signer: a large package is never one string (canonical.ts, writeSigningBytes).
  const signer = createSign('sha256');
  writeSigningBytes(context, document, (piece) => signer.update(piece));
  const value = signer.sign({ key: priv, dsaEncoding: 'der' });
  return { algorithm: SIGNATURE_ALGORITHM, keyId: keyId(pub), value: value.toString('base64') };
}

/** True when the document's signature verifies under `key` (the pinned central key). */
export function verifyDocument(
  context: SigningContext,
  document: Record<string, unknown>,
  signatureValue: string,
  key: KeyObject,
): boolean {
  try {
    const verifier = createVerify('sha256');
    writeSigningBytes(context, document, (piece) => verifier.update(piece));
    return verifier.verify({ key, dsaEncoding: 'der' }, Buffer.from(signatureValue, 'base64'));
  } catch {
    return false; // a DER blob that does not parse is a bad signature, not a crash
  }
}
