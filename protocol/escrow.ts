import type { KeyObject } from 'node:crypto';
import { BoothError } from './errors.js';
import { openPart, sealTo } from './session/seal.js';
import { keyId } from './session/keys.js';

/**
 * Signature dynamics (ISO/IEC 19794-7) are biometric data: in a sealed PDF they travel
 * encrypted to the centre's escrow public key, as biometric signature pads do, so only the
 * escrow holder can open them (for a handwriting expert in a dispute). The hash of the plaintext
 * stays in the signed binding, so an opened envelope can be shown to be the one sealed.
 *
 * Envelope (JSON, UTF-8): ECDH-ES on P-256, HKDF-SHA256, AES-256-GCM, the same construction as
 * the roster (docs/protocol.md), with label `booth-escrow/1 <recordId> <recipient keyId>`.
 */
export const ESCROW_FORMAT = 'booth-escrow/1';
export const ESCROW_ALGORITHM = 'ECDH-ES-P256+HKDF-SHA256+A256GCM';

export interface EscrowEnvelope {
  format: typeof ESCROW_FORMAT;
  algorithm: typeof ESCROW_ALGORITHM;
  recordId: string;
  recipientKeyId: string;
  ephemeralKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export function escrowLabel(recordId: string, recipientKeyId: string): string {
  return `${ESCROW_FORMAT} ${recordId} ${recipientKeyId}`;
}

export function sealForEscrow(plain: Buffer, recordId: string, escrowPublicKey: KeyObject): EscrowEnvelope {
  const recipientKeyId = keyId(escrowPublicKey);
  const sealed = sealTo(escrowPublicKey, escrowLabel(recordId, recipientKeyId), plain);
  return { format: ESCROW_FORMAT, algorithm: ESCROW_ALGORITHM, recordId, recipientKeyId, ...sealed };
}

/** The escrow holder's side. Throws BOOTH_ERR_BAD_INPUT when the envelope is not for this key or was altered. */
export function openEscrow(envelope: unknown, escrowPrivateKey: KeyObject, escrowPublicKey: KeyObject): Buffer {
  const e = envelope as Partial<EscrowEnvelope> | null;
  if (!e || e.format !== ESCROW_FORMAT || e.algorithm !== ESCROW_ALGORITHM)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `escrow envelope: expected format ${ESCROW_FORMAT}`);
  const recipientKeyId = keyId(escrowPublicKey);
  if (e.recipientKeyId !== recipientKeyId)
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      `escrow envelope is sealed to key ${String(e.recipientKeyId)}, not ${recipientKeyId}`,
    );
  try {
    return openPart(escrowPrivateKey, String(e.ephemeralKey), escrowLabel(String(e.recordId), recipientKeyId), {
      iv: String(e.iv),
      ciphertext: String(e.ciphertext),
      tag: String(e.tag),
    });
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      'escrow envelope does not open with this key (altered or moved)',
      {},
      { cause: err },
    );
  }
}
