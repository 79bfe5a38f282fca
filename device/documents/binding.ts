import { createHash } from 'node:crypto';
import type { PDFDocument } from '@cantoo/pdf-lib';

/**
 * Binds the handwritten signature's dynamics and the pre-stamp document to the sealed revision:
 * attached files (embedded file streams in the catalog's name tree) written in the same
 * revision the seal covers, so changing them breaks the signature.
 *  - `<record>.binding.json`: record id, seat, action, SHA-256 of the document before stamping,
 *    SHA-256 of the dynamics, and a dissent's reason;
 *  - `<record>.iso19794-7.bin`: the ISO/IEC 19794-7 signature data, when given;
 *  - `<record>.dissent.txt`: the dissent's reason as plain text, for a person reading the file.
 */
export interface Binding {
  recordId: string;
  seat: string;
  action: 'sign' | 'dissent';
  sha256Before: string;
  dynamics?: Uint8Array | undefined;
  reason?: string | undefined;
  now: Date;
}

export const BINDING_SUFFIX = '.binding.json';

export async function attachBinding(doc: PDFDocument, b: Binding): Promise<void> {
  const dates = { creationDate: b.now, modificationDate: b.now };
  const manifest = {
    format: 'booth-signature-binding/1',
    recordId: b.recordId,
    seat: b.seat,
    action: b.action,
    sha256Before: b.sha256Before,
    dynamics: b.dynamics
      ? {
          file: `${b.recordId}.iso19794-7.bin`,
          format: 'ISO/IEC 19794-7',
          sha256: createHash('sha256').update(b.dynamics).digest('hex'),
        }
      : null,
    reason: b.reason ?? null,
  };
  await doc.attach(Buffer.from(JSON.stringify(manifest, null, 2)), `${b.recordId}${BINDING_SUFFIX}`, {
    mimeType: 'application/json',
    description: `签名绑定 ${b.seat} ${b.recordId}`,
    ...dates,
  });
  if (b.dynamics)
    await doc.attach(b.dynamics, `${b.recordId}.iso19794-7.bin`, {
      mimeType: 'application/octet-stream',
      description: `手写签名动态数据 (ISO/IEC 19794-7) ${b.seat}`,
      ...dates,
    });
  if (b.reason)
    await doc.attach(Buffer.from(b.reason, 'utf8'), `${b.recordId}.dissent.txt`, {
      mimeType: 'text/plain',
      description: `不同意见理由 ${b.seat}`,
      ...dates,
    });
}
