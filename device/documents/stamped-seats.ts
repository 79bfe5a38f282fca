import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFString,
  type PDFDocument,
} from '@cantoo/pdf-lib';
import { BoothError } from '../../protocol/errors.js';
import { BINDING_SUFFIX } from './binding.js';

/**
 * Which seats a document already carries a booth stamp for. Every stamp revision the booth
 * writes attaches `<recordId>.binding.json` (binding.ts) naming its seat, inside the revision
 * its seal covers; those attachments are read back here (the name tree of the catalog's
 * /EmbeddedFiles, bounded). A second stamp for the same seat would print over the first, so
 * stamping refuses it unless a recorded staff override asks for a new revision.
 */
export interface StampedSeat {
  seat: string;
  recordId: string;
}

/** A staff override that allows a new revision over a seat already stamped, recorded in the binding. */
export interface NewRevision {
  staffId: string;
  at: Date;
}

const MAX_NODES = 10_000;
const MAX_DEPTH = 32;
const MAX_BINDING_BYTES = 16 * 1024;
const BINDING_FORMAT_PREFIX = 'booth-signature-binding/';

// pdf-lib's lookupMaybe throws when an entry has another type; these answer undefined instead.
function dictAt(dict: PDFDict, key: string): PDFDict | undefined {
  const v = dict.lookup(PDFName.of(key));
  return v instanceof PDFDict ? v : undefined;
}
function arrayAt(dict: PDFDict, key: string): PDFArray | undefined {
  const v = dict.lookup(PDFName.of(key));
  return v instanceof PDFArray ? v : undefined;
}

function text(obj: unknown): string | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.decodeText();
  return undefined;
}

function bindingOf(spec: PDFDict): StampedSeat | null {
  const ef = dictAt(spec, 'EF');
  const stream = ef?.lookup(PDFName.of('F'));
  // A binding is a few hundred bytes; a large stream of that name is not one of ours.
  if (!(stream instanceof PDFRawStream) || stream.contents.length > MAX_BINDING_BYTES) return null;
  try {
    const json = JSON.parse(Buffer.from(decodePDFRawStream(stream).decode()).toString('utf8')) as Record<
      string,
      unknown
    >;
    if (typeof json.format !== 'string' || !json.format.startsWith(BINDING_FORMAT_PREFIX)) return null;
    if (typeof json.seat !== 'string' || typeof json.recordId !== 'string') return null;
    return { seat: json.seat, recordId: json.recordId };
  } catch {
    return null; // not a binding of ours: someone else's attachment of that name
  }
}

/** Every booth stamp recorded in the document, in name-tree order. */
export function stampedSeats(doc: PDFDocument): StampedSeat[] {
  const catalogNames = dictAt(doc.catalog, 'Names');
  const root = catalogNames && dictAt(catalogNames, 'EmbeddedFiles');
  const out: StampedSeat[] = [];
  if (!root) return out;
  const seen = new Set<PDFDict>();
  const walk = (node: PDFDict, depth: number): void => {
    if (seen.has(node) || seen.size >= MAX_NODES || depth > MAX_DEPTH) return;
    seen.add(node);
    const names = arrayAt(node, 'Names');
    for (let i = 0; names && i + 1 < names.size(); i += 2) {
      const key = text(names.lookup(i));
      if (!key?.endsWith(BINDING_SUFFIX)) continue;
      const spec = names.lookup(i + 1);
      const found = spec instanceof PDFDict ? bindingOf(spec) : null;
      if (found) out.push(found);
    }
    const kids = arrayAt(node, 'Kids');
    for (let i = 0; kids && i < kids.size(); i++) {
      const kid = kids.lookup(i);
      if (kid instanceof PDFDict) walk(kid, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

/**
 * Refuses to stamp a seat the document already carries, unless `newRevision` (a staff
 * override) asks for it; returns the record ids the new stamp supersedes.
 */
export function checkSeatNotStamped(doc: PDFDocument, seat: string, newRevision: NewRevision | undefined): string[] {
  const earlier = stampedSeats(doc)
    .filter((s) => s.seat === seat)
    .map((s) => s.recordId);
  if (earlier.length > 0 && !newRevision)
    throw new BoothError(
      'BOOTH_ERR_SEAT_STAMPED',
      `seat ${seat} is already stamped in this document (record ${earlier.join(', ')}); ` +
        'a new revision needs a recorded staff override',
      { seat, records: earlier },
    );
  return earlier;
}
