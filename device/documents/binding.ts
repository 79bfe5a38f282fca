import { createHash, type KeyObject } from 'node:crypto';
import type { PDFDocument } from '@cantoo/pdf-lib';
import { ESCROW_ALGORITHM, ESCROW_FORMAT, sealForEscrow } from '../../protocol/escrow.js';

/**
 * Binds the handwritten signature's dynamics and the pre-stamp document to the sealed revision:
 * attached files (embedded file streams in the catalog's name tree) written in the same
 * revision the seal covers, so changing them breaks the signature.
 *  - `<record>.binding.json`: record id, seat, action, SHA-256 of the document before stamping,
 *    SHA-256 of the dynamics (of the plaintext) and the escrow key they are sealed to, and a
 *    dissent's reason, and for a new revision over a seat already stamped the staff override
 *    that asked for it and the record ids it supersedes;
 *  - `<record>.iso19794-7.escrow.json`: the ISO/IEC 19794-7 signature data sealed to the centre's
 *    escrow public key (protocol/escrow.ts), when dynamics and an escrow key are given. Dynamics
 *    are biometric data: a sealed PDF travels and is archived widely, so it never carries them in
 *    the clear; without an escrow key (simulation, a booth not enrolled) it carries the hash only;
 *  - `<record>.dissent.txt`: the dissent's reason as plain text, for a person reading the file.
 */
export interface Binding {
  recordId: string;
  seat: string;
  action: 'sign' | 'dissent';
  sha256Before: string;
  dynamics?: Uint8Array | undefined;
  /** The centre's escrow public key (P-256); null or absent: the dynamics stay out of the PDF. */
  escrowKey?: KeyObject | null | undefined;
  reason?: string | undefined;
  /** A new revision over a seat already stamped, asked for by staff (stamped-seats.ts). */
  newRevision?: { staffId: string; at: Date; supersedes: readonly string[] } | undefined;
  now: Date;
}

export const BINDING_SUFFIX = '.binding.json';
export const BINDING_FORMAT = 'booth-signature-binding/2';
export const ESCROW_SUFFIX = '.iso19794-7.escrow.json';

export async function attachBinding(doc: PDFDocument, b: Binding): Promise<void> {
  const dates = { creationDate: b.now, modificationDate: b.now };
  const envelope = b.dynamics && b.escrowKey ? sealForEscrow(Buffer.from(b.dynamics), b.recordId, b.escrowKey) : null;
  const manifest = {
    format: BINDING_FORMAT,
    recordId: b.recordId,
    seat: b.seat,
    action: b.action,
    sha256Before: b.sha256Before,
    dynamics: b.dynamics
      ? {
          format: 'ISO/IEC 19794-7',
          // Of the plaintext: an envelope opened by the escrow holder can be shown to be this one.
          sha256: createHash('sha256').update(b.dynamics).digest('hex'),
          file: envelope ? `${b.recordId}${ESCROW_SUFFIX}` : null,
          escrow: envelope
            ? { format: ESCROW_FORMAT, algorithm: ESCROW_ALGORITHM, recipientKeyId: envelope.recipientKeyId }
            : null,
        }
      : null,
    reason: b.reason ?? null,
    newRevision: b.newRevision
      ? { staffId: b.newRevision.staffId, at: b.newRevision.at.toISOString(), supersedes: b.newRevision.supersedes }
      : null,
  };
  await doc.attach(Buffer.from(JSON.stringify(manifest, null, 2)), `${b.recordId}${BINDING_SUFFIX}`, {
    mimeType: 'application/json',
    description: `签名绑定 ${b.seat} ${b.recordId}`,
    ...dates,
  });
  if (envelope)
    await doc.attach(Buffer.from(JSON.stringify(envelope)), `${b.recordId}${ESCROW_SUFFIX}`, {
      mimeType: 'application/json',
      description: `手写签名动态数据 (ISO/IEC 19794-7), 以托管公钥加密 ${b.seat}`,
      ...dates,
    });
  if (b.reason)
    await doc.attach(Buffer.from(b.reason, 'utf8'), `${b.recordId}.dissent.txt`, {
      mimeType: 'text/plain',
      description: `不同意见理由 ${b.seat}`,
      ...dates,
    });
}
