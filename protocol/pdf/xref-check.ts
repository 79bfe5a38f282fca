import { PDFDocument, PDFParser, PDFRef, type PDFContext, type PDFObject } from '@cantoo/pdf-lib';
import { BoothError } from '../errors.js';
import { objectHeaderAt, readXref, type XrefReading } from './xref.js';

/**
 * pdf-lib parses a PDF in file order and keeps the last copy of each object; viewers follow the
 * cross-reference chain. A copy the xref does not point at (the "shadow" attacks on signed PDFs)
 * would be stamped and sealed while viewers showed another document. So the parse records where
 * each object it kept came from, and every object must be the copy the xref chain designates:
 *  - an object the xref lists in use must have been read at the xref's offset (or from the xref's
 *    object stream, at the xref's index), else BOOTH_ERR_PDF_AMBIGUOUS naming the object;
 *  - an object the xref lists as free, or does not list (an object deleted by a later revision,
 *    a leftover), is dropped from pdf-lib's reading: viewers read such a reference as null;
 *  - the trailer (Root, Info, ID) and the startxref a new revision chains to are the xref's.
 * The xref is read first (xref.ts), so an encrypted file is refused as such before pdf-lib
 * tries to parse its encrypted object streams.
 */

/** Where pdf-lib read the copy it kept: the object's header offset, or its object stream's and index. */
export interface Origin {
  offset: number;
  /** -1: a top-level object at `offset`; else its index in the object stream whose header is at `offset`. */
  index: number;
}

export interface RecordedParse {
  context: PDFContext;
  origins: Map<string, Origin>;
}

interface ParserInternals {
  bytes: { offset(): number };
  context: PDFContext;
  parseIndirectObject(): Promise<PDFRef>;
  parseDocument(): Promise<PDFContext>;
}

/**
 * pdf-lib's own parse (as PDFDocument.load runs it), recording for each assigned object where it
 * was read. Relies on two pdf-lib internals, checked here so an upgrade that renames them fails
 * loudly instead of silently skipping the check.
 */
export async function parseRecordingOrigins(
  bytes: Uint8Array,
  o: { objectsPerTick: number; forIncrementalUpdate: boolean },
): Promise<RecordedParse> {
  const parser = PDFParser.forBytesWithOptions(
    bytes,
    o.objectsPerTick,
    true,
    false,
    false,
    undefined,
    o.forIncrementalUpdate,
  ) as unknown as ParserInternals;
  const { context } = parser;
  const parseIndirect = parser.parseIndirectObject as unknown;
  if (typeof parseIndirect !== 'function' || typeof context.assign !== 'function')
    throw new BoothError('BOOTH_ERR_INTERNAL', 'pdf-lib: parser internals changed; the xref check cannot run');
  const origins = new Map<string, Origin>();
  let current = -1;
  let inner = 0;
  const assign = context.assign.bind(context);
  context.assign = (ref: PDFRef, object: PDFObject): void => {
    // Inside an object stream: its objects are assigned in index order before the stream itself.
    if (current >= 0) origins.set(ref.tag, { offset: current, index: inner++ });
    assign(ref, object);
  };
  parser.parseIndirectObject = async (): Promise<PDFRef> => {
    const at = parser.bytes.offset();
    current = at;
    inner = 0;
    const ref = await (parseIndirect as () => Promise<PDFRef>).call(parser);
    origins.set(ref.tag, { offset: at, index: -1 });
    current = -1;
    return ref;
  };
  await parser.parseDocument();
  context.assign = assign;
  return { context, origins };
}

function ambiguous(ref: PDFRef, message: string): BoothError {
  const name = `${ref.objectNumber} ${ref.generationNumber}`;
  return new BoothError('BOOTH_ERR_PDF_AMBIGUOUS', `pdf: object ${name}: ${message}`, { object: name });
}

function shadowed(origin: Origin | undefined): string {
  const copy = !origin
    ? 'copy of unknown origin'
    : origin.index < 0
      ? `copy at offset ${origin.offset}`
      : `copy in the object stream at offset ${origin.offset} (index ${origin.index})`;
  return `a later ${copy} that it does not point at would be stamped`;
}

/** Where the object's header really starts: xref offsets may point at whitespace before it. */
function headerOffset(bytes: Uint8Array, offset: number): number {
  let at = offset;
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09))
    at++;
  return at;
}

/**
 * Makes pdf-lib's reading the xref's, or throws BOOTH_ERR_PDF_AMBIGUOUS naming the first object
 * where the two disagree. Mutates `parsed.context` (drops objects the xref does not define).
 */
export function checkAgainstXref(bytes: Uint8Array, xref: XrefReading, parsed: RecordedParse): void {
  const { context, origins } = parsed;
  for (const [ref] of context.enumerateIndirectObjects()) {
    const e = xref.entries.get(ref.objectNumber);
    const origin = origins.get(ref.tag);
    if (e?.kind === 'offset' && e.gen === ref.generationNumber) {
      const at = headerOffset(bytes, e.offset);
      if (origin?.index !== -1 || origin.offset !== at)
        throw ambiguous(ref, `the cross-reference table points at offset ${e.offset}; ${shadowed(origin)}`);
    } else if (e?.kind === 'compressed' && ref.generationNumber === 0) {
      const container = xref.entries.get(e.stream);
      const at = container?.kind === 'offset' ? headerOffset(bytes, container.offset) : -1;
      if (origin?.index !== e.index || origin.offset !== at)
        throw ambiguous(
          ref,
          `the cross-reference table points at index ${e.index} of object stream ${e.stream}; ${shadowed(origin)}`,
        );
    } else {
      context.delete(ref);
    }
  }
  // An object the xref lists in use that pdf-lib never kept: it read something else there.
  for (const [n, e] of xref.entries) {
    if (e.kind !== 'offset' || context.lookup(PDFRef.of(n, e.gen))) continue;
    const header = objectHeaderAt(bytes, e.offset);
    if (header && header.num === n)
      throw ambiguous(
        PDFRef.of(n, e.gen),
        `the cross-reference table points at offset ${e.offset}, which pdf-lib read as part of something else`,
      );
  }
  if (xref.root) context.trailerInfo.Root = xref.root;
  if (xref.info) context.trailerInfo.Info = xref.info;
  if (xref.id) context.trailerInfo.ID = xref.id;
  // The new revision's /Prev must be the section viewers start from.
  context.pdfFileDetails.prevStartXRef = xref.startxref;
}

export interface ViewerReadOptions {
  objectsPerTick: number;
  forIncrementalUpdate: boolean;
}

/**
 * PDFDocument.load, but reading the document the cross-reference chain defines (or refusing).
 * Errors: BOOTH_ERR_PDF_INVALID / _TRUNCATED (xref.ts), _ENCRYPTED, _AMBIGUOUS; pdf-lib's own
 * parse failures are thrown as they are (the caller wraps them).
 */
export async function loadAsViewersRead(bytes: Uint8Array, o: ViewerReadOptions): Promise<PDFDocument> {
  const xref = readXref(bytes);
  if (xref.encrypted)
    throw new BoothError('BOOTH_ERR_PDF_ENCRYPTED', 'pdf: expected an unencrypted PDF (this one is encrypted)');
  let parsed: RecordedParse;
  try {
    parsed = await parseRecordingOrigins(bytes, o);
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_PDF_INVALID',
      `pdf: cannot be parsed (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
  checkAgainstXref(bytes, xref, parsed);
  // pdf-lib's constructor is private; PDFDocument.load does exactly this after its parse.
  const Doc = PDFDocument as unknown as new (
    context: PDFContext,
    ignoreEncryption: boolean,
    updateMetadata: boolean,
    preserveXFA: boolean,
  ) => PDFDocument;
  const doc = new Doc(parsed.context, true, false, false);
  if (o.forIncrementalUpdate) doc.takeSnapshot();
  return doc;
}
