import { createHash } from 'node:crypto';
import { PDFHexString, PDFName, PDFNumber, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { BoothError } from '../../protocol/errors.js';
import { OID, signCms, unsignedAttribute, type SignerPem } from './cms.js';
import { requestTimestamp, type TimestampOptions } from './timestamp.js';
import { OBJECTS_PER_TICK } from './pdf-input.js';

/**
 * Seals the changes made to a document loaded for an incremental update: adds a signature
 * field (invisible widget: the visible marks are the stamps) whose signature dictionary holds
 * a placeholder, writes only the changed objects after the original bytes, then fills the
 * ByteRange and the CMS signature in place. The original bytes are never touched, so every
 * earlier signature keeps verifying.
 */
export interface SealOptions {
  signer: SignerPem;
  /** /Reason, e.g. "评标专家签名: 张伟, 某项目". */
  reason: string;
  /** /Name: the person the booth signs for. */
  name: string;
  location: string;
  now: Date;
  /** Partial field name; must be unique in the document. */
  fieldName: string;
  /** Page (0-based) that carries the invisible widget. */
  pageIndex: number;
  reserveBytes: number;
  /** A timestamp authority for B-T; absent: B-B. */
  timestamp?: TimestampOptions & { required: boolean };
}

export interface Sealed {
  pdf: Buffer;
  level: 'B-B' | 'B-T';
  /** Why a configured timestamp is missing (the seal fell back to B-B). */
  timestampError?: string;
}

// A name token as wide as any 10-digit offset: the placeholder is overwritten in place.
const BYTE_RANGE_SLOT = '**********';

export function fieldNameFor(...parts: string[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');
}

function addSignatureField(doc: PDFDocument, o: SealOptions): void {
  const { context } = doc;
  const sig = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, BYTE_RANGE_SLOT, BYTE_RANGE_SLOT, BYTE_RANGE_SLOT],
    Contents: PDFHexString.of('0'.repeat(o.reserveBytes * 2)),
    Reason: PDFHexString.fromText(o.reason),
    Name: PDFHexString.fromText(o.name),
    M: PDFString.fromDate(o.now),
  });
  if (o.location) sig.set(PDFName.of('Location'), PDFHexString.fromText(o.location));
  const sigRef = context.register(sig);
  const page = doc.getPage(o.pageIndex);
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: [0, 0, 0, 0],
    // Print (4) + Locked (128): part of the document, not editable.
    F: 132,
    T: PDFHexString.fromText(o.fieldName),
    V: sigRef,
    P: page.ref,
  });
  const widgetRef = context.register(widget);
  page.node.addAnnot(widgetRef);
  const form = doc.catalog.getOrCreateAcroForm();
  form.addField(widgetRef);
  // SignaturesExist (1) + AppendOnly (2): tells editors to save incrementally from now on.
  form.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3));
}

function indexOfOrFail(haystack: Buffer, needle: Buffer | string, what: string): number {
  const at = haystack.indexOf(needle);
  if (at < 0 || haystack.indexOf(needle, at + 1) >= 0)
    throw new BoothError('BOOTH_ERR_PDF_SEAL', `seal: expected exactly one ${what} in the new revision`);
  return at;
}

/**
 * Writes the staged changes plus a signature as one new revision and returns the whole file.
 * The caller made the changes on `doc`, loaded from `original` with forIncrementalUpdate.
 */
export async function sealIncrement(doc: PDFDocument, original: Uint8Array, o: SealOptions): Promise<Sealed> {
  addSignatureField(doc, o);
  // The snapshot pdf-lib took at load time has recorded every object changed since.
  const snapshot = doc.context.snapshot;
  if (!snapshot) throw new BoothError('BOOTH_ERR_PDF_SEAL', 'seal: expected a document loaded for incremental update');
  // Classic xref and no object streams: the signature dictionary must be plain bytes we can patch.
  const increment = Buffer.from(
    await doc.saveIncremental(snapshot, { useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK }),
  );
  // pdf-lib computed the new xref offsets from the original length: append the increment as is.
  const out = Buffer.concat([original, increment]);
  const tailStart = original.length;
  const tail = out.subarray(tailStart);

  const placeholder = Buffer.from(`<${'0'.repeat(o.reserveBytes * 2)}>`, 'latin1');
  const contentsAt = tailStart + indexOfOrFail(tail, placeholder, 'signature placeholder');
  const gapEnd = contentsAt + placeholder.length;
  const rangeMatch = /\/ByteRange\s*\[\s*0\s+\/\*{10}\s+\/\*{10}\s+\/\*{10}\s*\]/.exec(tail.toString('latin1'));
  if (!rangeMatch) throw new BoothError('BOOTH_ERR_PDF_SEAL', 'seal: ByteRange placeholder not found');
  const rangeAt = tailStart + rangeMatch.index;
  const byteRange = [0, contentsAt, gapEnd, out.length - gapEnd];
  const text = `/ByteRange [${byteRange.join(' ')}`;
  if (text.length + 1 > rangeMatch[0].length) throw new BoothError('BOOTH_ERR_PDF_SEAL', 'seal: ByteRange too long');
  out.write(`${text.padEnd(rangeMatch[0].length - 1, ' ')}]`, rangeAt, 'latin1');

  const digest = createHash('sha256').update(out.subarray(0, contentsAt)).update(out.subarray(gapEnd)).digest();
  const signed = signCms(digest, o.signer);
  let level: Sealed['level'] = 'B-B';
  let timestampError: string | undefined;
  let cms = signed.encode();
  if (o.timestamp) {
    try {
      const token = await requestTimestamp(signed.signature, o.timestamp);
      cms = signed.encode([unsignedAttribute(OID.signatureTimeStampToken, token)]);
      level = 'B-T';
    } catch (err) {
      if (o.timestamp.required) throw err;
      timestampError = (err as Error).message;
    }
  }
  if (cms.length > o.reserveBytes)
    throw new BoothError(
      'BOOTH_ERR_PDF_SEAL',
      `seal: the signature needs ${cms.length} bytes, expected at most ${o.reserveBytes} (documents.signatureReserveBytes)`,
    );
  out.write(cms.toString('hex').toUpperCase(), contentsAt + 1, 'latin1');
  return timestampError === undefined ? { pdf: out, level } : { pdf: out, level, timestampError };
}
