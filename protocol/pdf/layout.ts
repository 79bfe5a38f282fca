import { PDFArray, PDFDict, PDFHexString, PDFName, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { BoothError, isBoothError } from '../errors.js';
import { loadAsViewersRead } from './xref-check.js';
import { checkNotCertified } from './certification.js';

/**
 * What a published PDF must offer before a booth gets it, read the way the booth's documents
 * feature reads it (device/documents: pdf-input.ts, places.ts, form-places.ts): a PDF that
 * pdf-lib parses with pages, not encrypted, not certified (no DocMDP), its page boxes, and
 * its signature form fields `sig.<seat>[.<n>]`. The central server checks a plan with this so a
 * document that the booth would refuse at sealing (after the expert verified) is refused at
 * import instead. Pure: bytes in, facts out; failures are coded BoothErrors.
 */
export interface PageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FormSignatureField {
  /** Fully qualified field name, e.g. `sig.3` or `sig.3.12`. */
  name: string;
  seat: string;
  /** 1-based page of the widget. */
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PdfLayout {
  pages: PageBox[];
  signatureFields: FormSignatureField[];
}

const SIG_FIELD = /^sig\.([A-Za-z0-9_-]{1,32})(?:\.(\d{1,4}))?$/;
const MAX_PARENT_DEPTH = 32;
/** Tolerance for rectangles drawn in editors that snap to the page edge with rounding (as the booth's). */
export const EDGE_EPSILON = 0.01;

function text(obj: unknown): string | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.decodeText();
  return undefined;
}

function fieldName(widget: PDFDict): string | undefined {
  const parts: string[] = [];
  let node: PDFDict | undefined = widget;
  for (let depth = 0; node && depth < MAX_PARENT_DEPTH; depth++) {
    const t = text(node.lookup(PDFName.of('T')));
    if (t !== undefined) parts.unshift(t);
    node = node.lookupMaybe(PDFName.of('Parent'), PDFDict);
  }
  return parts.length > 0 ? parts.join('.') : undefined;
}

function signatureFields(doc: PDFDocument): FormSignatureField[] {
  const out: FormSignatureField[] = [];
  doc.getPages().forEach((page, index) => {
    const annots = page.node.Annots();
    for (let i = 0; annots && i < annots.size(); i++) {
      const annot = annots.lookupMaybe(i, PDFDict);
      if (!annot || annot.lookup(PDFName.of('Subtype')) !== PDFName.of('Widget')) continue;
      const name = fieldName(annot);
      const seat = name ? SIG_FIELD.exec(name)?.[1] : undefined;
      const r = annot.lookupMaybe(PDFName.of('Rect'), PDFArray)?.asRectangle();
      if (!name || !seat || !r) continue;
      out.push({
        name,
        seat,
        page: index + 1,
        x: Math.min(r.x, r.x + r.width),
        y: Math.min(r.y, r.y + r.height),
        width: Math.abs(r.width),
        height: Math.abs(r.height),
      });
    }
  });
  return out;
}

/** Parses a PDF as the booth will; BOOTH_ERR_PDF_INVALID / _ENCRYPTED saying why it is not usable. */
export async function readPdfLayout(bytes: Uint8Array): Promise<PdfLayout> {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) throw new BoothError('BOOTH_ERR_PDF_INVALID', 'not a PDF (no %PDF- header)');
  const tailStart = Math.max(0, bytes.length - 2048);
  if (!Buffer.from(bytes.buffer, bytes.byteOffset + tailStart, bytes.length - tailStart).includes('%%EOF'))
    throw new BoothError('BOOTH_ERR_PDF_INVALID', 'the PDF ends without %%EOF (truncated?)');
  let doc: PDFDocument;
  try {
    // As the booth reads it: the document its cross-reference chain defines, or a coded refusal.
    doc = await loadAsViewersRead(bytes, { forIncrementalUpdate: false, objectsPerTick: 2000 });
  } catch (err) {
    if (isBoothError(err)) throw err;
    throw new BoothError('BOOTH_ERR_PDF_INVALID', `the PDF cannot be parsed (${(err as Error).message})`);
  }
  if (doc.isEncrypted) throw new BoothError('BOOTH_ERR_PDF_ENCRYPTED', 'the PDF is encrypted');
  let pages: PageBox[];
  try {
    pages = doc.getPages().map((p) => {
      const b = p.getCropBox();
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    });
  } catch (err) {
    throw new BoothError('BOOTH_ERR_PDF_INVALID', `the page tree is broken (${(err as Error).message})`);
  }
  if (pages.length === 0) throw new BoothError('BOOTH_ERR_PDF_INVALID', 'the PDF has no pages');
  checkNotCertified(doc);
  return { pages, signatureFields: signatureFields(doc) };
}

/** Why a box does not fit its page (page missing, or not inside the page's visible box), or null when it fits. */
export function placeMisfit(
  p: { page: number; x: number; y: number; width: number; height: number },
  pages: readonly PageBox[],
): string | null {
  const box = pages[p.page - 1];
  if (!box) return `page ${p.page} does not exist (the PDF has ${pages.length} pages)`;
  const inside =
    p.x >= box.x - EDGE_EPSILON &&
    p.y >= box.y - EDGE_EPSILON &&
    p.x + p.width <= box.x + box.width + EDGE_EPSILON &&
    p.y + p.height <= box.y + box.height + EDGE_EPSILON;
  return inside
    ? null
    : `box [${p.x}, ${p.y}, ${p.width} x ${p.height}] is not inside page ${p.page} [${box.x}, ${box.y}, ${box.width} x ${box.height}]`;
}
