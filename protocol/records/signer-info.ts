import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { RecordSigner } from './record-codec.js';

/**
 * Who signed a booth's records and batches, as carried in every batch: the algorithm and public
 * key, and for SM2 the binding (the booth certificate's key signs the SM2 key). The booth makes
 * it (device/store/signer.ts); the central server resolves it against the certificate.
 */
export interface SignerInfo {
  alg: string;
  publicKeyPem: string;
  /** base64 ECDSA P-256 signature (identity key) over the SM2 public key PEM; sm suite only. */
  binding?: string;
}

export interface BoothSigner extends RecordSigner {
  readonly publicKey: KeyObject;
  readonly info: SignerInfo;
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
