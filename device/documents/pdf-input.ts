import type { PDFDocument } from '@cantoo/pdf-lib';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import { loadAsViewersRead } from '../../protocol/pdf/xref-check.js';
import { checkNotCertified } from '../../protocol/pdf/certification.js';
import type { PageBox } from './places.js';
import { useFastChangeTracking } from './change-tracking.js';

/**
 * The gate every input PDF passes before stamping: size, header, a trailer at the end (a file
 * cut short by a failed copy has none), no encryption, and pdf-lib must parse it with pages.
 * Each failure is a coded BoothError raised before anything is written.
 */
const TAIL_WINDOW = 2048;

/**
 * pdf-lib yields to the event loop (setTimeout 0: at least 1 ms) every N objects; its default
 * of 100 adds tens of ms to a large report. 2000 objects is still a yield every few ms of work,
 * so the kiosk's HTTP server stays responsive while a 500-page document is parsed or written.
 */
export const OBJECTS_PER_TICK = 2000;

function hasHeader(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  return head.includes('%PDF-');
}

function hasTrailer(bytes: Uint8Array): boolean {
  const start = Math.max(0, bytes.length - TAIL_WINDOW);
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start)
    .toString('latin1')
    .includes('%%EOF');
}

export function checkPdfBytes(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.length > maxBytes)
    throw new BoothError('BOOTH_ERR_PDF_TOO_LARGE', `pdf: expected at most ${maxBytes} bytes, got ${bytes.length}`, {
      size: bytes.length,
      maxBytes,
    });
  if (!hasHeader(bytes)) throw new BoothError('BOOTH_ERR_PDF_INVALID', 'pdf: expected a PDF file (no %PDF- header)');
  if (!hasTrailer(bytes))
    throw new BoothError('BOOTH_ERR_PDF_INVALID', 'pdf: the file ends without %%EOF (truncated or not a PDF)');
}

/** Loads a checked PDF for an incremental update: nothing pdf-lib would rewrite on its own. */
export async function loadForUpdate(bytes: Uint8Array, maxBytes: number): Promise<PDFDocument> {
  checkPdfBytes(bytes, maxBytes);
  let doc: PDFDocument;
  try {
    doc = await loadAsViewersRead(bytes, { forIncrementalUpdate: true, objectsPerTick: OBJECTS_PER_TICK });
  } catch (err) {
    if (isBoothError(err)) throw err;
    throw new BoothError(
      'BOOTH_ERR_PDF_INVALID',
      `pdf: cannot be parsed (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
  useFastChangeTracking(doc);
  if (doc.isEncrypted)
    throw new BoothError('BOOTH_ERR_PDF_ENCRYPTED', 'pdf: expected an unencrypted PDF (this one is encrypted)');
  let count: number;
  try {
    count = doc.getPageCount();
  } catch (err) {
    throw new BoothError('BOOTH_ERR_PDF_INVALID', `pdf: page tree is broken (${(err as Error).message})`);
  }
  if (count === 0) throw new BoothError('BOOTH_ERR_PDF_INVALID', 'pdf: expected at least one page');
  // A certified document (DocMDP, any P) is refused: see protocol/pdf/certification.ts.
  checkNotCertified(doc);
  return doc;
}

export function pageBoxes(doc: PDFDocument): PageBox[] {
  return doc.getPages().map((p) => {
    const b = p.getCropBox();
    return { x: b.x, y: b.y, width: b.width, height: b.height };
  });
}
