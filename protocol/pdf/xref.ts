import { inflateSync, constants as zlib } from 'node:zlib';
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObjectParser,
  PDFRawStream,
  PDFRef,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { BoothError } from '../errors.js';

/**
 * The cross-reference reading of a PDF, as a conforming viewer does it: from the last
 * `startxref`, each section (a classic `xref` table or an xref stream, and in a hybrid file the
 * `/XRefStm` stream too) back through `/Prev`; the newest entry of an object number wins. This
 * is the oracle the stamper's pdf-lib parse (which reads objects in file order and keeps the last
 * copy) is checked against (see xref-check.ts).
 *
 * Refused here, before anything else reads the file:
 *  - bytes after the last `%%EOF` other than whitespace (a revision cut short: a copy stopped in
 *    the middle of a later revision leaves an earlier `%%EOF` near the end) → BOOTH_ERR_PDF_TRUNCATED;
 *  - a `startxref` or `/Prev` that points past the end or at no cross-reference section, a loop,
 *    an xref stream that does not decode → BOOTH_ERR_PDF_INVALID.
 * Pure: bytes in, entries out. Dictionaries are read with pdf-lib's object parser (no objects are
 * resolved: the xref reading needs direct values only, as the standard requires of xref streams).
 */
export type XrefEntry =
  | { kind: 'offset'; gen: number; offset: number }
  | { kind: 'compressed'; stream: number; index: number }
  | { kind: 'free'; gen: number };

export interface XrefReading {
  /** Object number -> the entry of the newest section that lists it. */
  entries: Map<number, XrefEntry>;
  /** Newest first: the offsets of every section read (classic table or xref stream). */
  sections: number[];
  /** The value of the last `startxref`. */
  startxref: number;
  /** Trailer values, newest section first that has them (Root, Info, ID). */
  root?: PDFRef;
  info?: PDFObject;
  id?: PDFObject;
  /** Any section's trailer names /Encrypt. */
  encrypted: boolean;
}

const EOF_MARK = Buffer.from('%%EOF', 'latin1');
const STARTXREF = Buffer.from('startxref', 'latin1');
const XREF = Buffer.from('xref', 'latin1');
const TRAILER = Buffer.from('trailer', 'latin1');
// A classic entry is 20 bytes; an object number beyond what the file could list is a lie.
const MIN_ENTRY_BYTES = 18;

const isWhite = (b: number | undefined): boolean =>
  b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

function invalid(message: string, details: Record<string, unknown> = {}): BoothError {
  return new BoothError('BOOTH_ERR_PDF_INVALID', `pdf: ${message}`, details);
}

function skipWhite(bytes: Uint8Array, at: number): number {
  while (at < bytes.length && isWhite(bytes[at])) at++;
  return at;
}

/** Whitespace and comments: what may stand between tokens. */
function skipWhiteAndComments(bytes: Uint8Array, at: number): number {
  for (;;) {
    at = skipWhite(bytes, at);
    if (bytes[at] !== 0x25) return at;
    while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d) at++;
  }
}

function startsWith(bytes: Uint8Array, at: number, word: Uint8Array): boolean {
  if (at + word.length > bytes.length) return false;
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word[i]) return false;
  return true;
}

function readInt(bytes: Uint8Array, at: number): { value: number; end: number } | null {
  let end = at;
  let value = 0;
  while (isDigit(bytes[end]) && end - at < 16) value = value * 10 + ((bytes[end++] ?? 0) - 0x30);
  return end === at ? null : { value, end };
}

/** `N G obj` at `at` (after whitespace): where the object's value begins, or null. */
export function objectHeaderAt(bytes: Uint8Array, at: number): { num: number; gen: number; body: number } | null {
  const num = readInt(bytes, skipWhite(bytes, at));
  if (!num || !isWhite(bytes[num.end])) return null;
  const gen = readInt(bytes, skipWhite(bytes, num.end));
  if (!gen || !isWhite(bytes[gen.end])) return null;
  const kw = skipWhite(bytes, gen.end);
  if (bytes[kw] !== 0x6f || bytes[kw + 1] !== 0x62 || bytes[kw + 2] !== 0x6a) return null;
  return { num: num.value, gen: gen.value, body: kw + 3 };
}

function parseObjectAt(bytes: Uint8Array, at: number): PDFObject {
  return PDFObjectParser.forBytes(bytes.subarray(at), PDFContext.create()).parseObject();
}

/** The tail: the last `%%EOF` ends the file, and the `startxref` before it says where to begin. */
function lastStartxref(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const eof = buf.lastIndexOf(EOF_MARK);
  if (eof < 0) throw invalid('the file ends without %%EOF (truncated or not a PDF)');
  const after = skipWhite(bytes, eof + EOF_MARK.length);
  if (after < bytes.length)
    throw new BoothError(
      'BOOTH_ERR_PDF_TRUNCATED',
      `pdf: ${bytes.length - after} bytes follow the last %%EOF (at byte ${eof}): a later revision is cut short or data was appended outside any revision`,
      { eofAt: eof, trailingBytes: bytes.length - after },
    );
  const sx = buf.lastIndexOf(STARTXREF, eof);
  if (sx < 0) throw invalid('no startxref before the last %%EOF');
  const value = readInt(bytes, skipWhiteAndComments(bytes, sx + STARTXREF.length));
  if (!value) throw invalid(`startxref at byte ${sx} is not followed by an offset`);
  if (skipWhite(bytes, value.end) !== eof)
    throw new BoothError(
      'BOOTH_ERR_PDF_TRUNCATED',
      `pdf: the last startxref (byte ${sx}) is not the one before the last %%EOF: the final revision is incomplete`,
    );
  return value.value;
}

interface Section {
  entries: [number, XrefEntry][];
  trailer: PDFDict;
}

/** A classic table: `xref`, subsections `first count` of `offset gen n|f`, then `trailer << >>`. */
function readTable(bytes: Uint8Array, at: number): Section {
  let pos = at + XREF.length;
  const entries: [number, XrefEntry][] = [];
  for (;;) {
    pos = skipWhiteAndComments(bytes, pos);
    if (startsWith(bytes, pos, TRAILER)) break;
    const first = readInt(bytes, pos);
    const count = first && readInt(bytes, skipWhite(bytes, first.end));
    if (!first || !count) throw invalid(`the cross-reference table at byte ${at} is malformed near byte ${pos}`);
    if (count.value * MIN_ENTRY_BYTES > bytes.length - count.end)
      throw invalid(`the cross-reference table at byte ${at} claims ${count.value} entries the file cannot hold`);
    pos = count.end;
    for (let i = 0; i < count.value; i++) {
      const offset = readInt(bytes, skipWhite(bytes, pos));
      const gen = offset && readInt(bytes, skipWhite(bytes, offset.end));
      const kindAt = gen ? skipWhite(bytes, gen.end) : -1;
      const kind = bytes[kindAt];
      if (!offset || !gen || (kind !== 0x6e && kind !== 0x66))
        throw invalid(`the cross-reference table at byte ${at} has a malformed entry near byte ${pos}`);
      const num = first.value + i;
      entries.push([
        num,
        kind === 0x6e ? { kind: 'offset', gen: gen.value, offset: offset.value } : { kind: 'free', gen: gen.value },
      ]);
      pos = kindAt + 1;
    }
  }
  let trailer: PDFObject;
  try {
    trailer = parseObjectAt(bytes, pos + TRAILER.length);
  } catch (err) {
    throw invalid(`the trailer at byte ${pos} cannot be parsed (${(err as Error).message})`);
  }
  if (!(trailer instanceof PDFDict)) throw invalid(`the trailer at byte ${pos} is not a dictionary`);
  return { entries, trailer };
}

function num(dict: PDFDict, key: string): number | undefined {
  const v = dict.get(PDFName.of(key));
  return v instanceof PDFNumber ? v.asNumber() : undefined;
}

/** Undoes the PNG predictors (10-15: a filter-type byte per row) that xref streams use. */
function unpredict(data: Uint8Array, columns: number): Uint8Array {
  const row = columns + 1;
  if (data.length % row !== 0) throw new Error(`predicted data of ${data.length} bytes is not rows of ${row}`);
  const rows = data.length / row;
  const out = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * row];
    for (let c = 0; c < columns; c++) {
      const raw = data[r * row + 1 + c] ?? 0;
      const left = c > 0 ? (out[r * columns + c - 1] ?? 0) : 0;
      const up = r > 0 ? (out[(r - 1) * columns + c] ?? 0) : 0;
      const upLeft = r > 0 && c > 0 ? (out[(r - 1) * columns + c - 1] ?? 0) : 0;
      let pred = 0;
      if (type === 1) pred = left;
      else if (type === 2) pred = up;
      else if (type === 3) pred = (left + up) >> 1;
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        pred = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (type !== 0) throw new Error(`unknown PNG row filter ${type}`);
      out[r * columns + c] = (raw + pred) & 0xff;
    }
  }
  return out;
}

function decodeXrefData(stream: PDFRawStream, maxBytes: number): Uint8Array {
  const { dict } = stream;
  const filter = dict.get(PDFName.of('Filter'));
  const flate =
    filter === PDFName.of('FlateDecode') ||
    (filter instanceof PDFArray && filter.size() === 1 && filter.get(0) === PDFName.of('FlateDecode'));
  if (filter !== undefined && !flate) throw new Error(`filter ${String(filter)} is not supported for an xref stream`);
  let data: Uint8Array = stream.getContents();
  if (flate) data = inflateSync(data, { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: maxBytes });
  const parmsObj = dict.get(PDFName.of('DecodeParms'));
  const parms = parmsObj instanceof PDFArray ? parmsObj.get(0) : parmsObj;
  const predictor = parms instanceof PDFDict ? (num(parms, 'Predictor') ?? 1) : 1;
  if (predictor >= 10 && parms instanceof PDFDict) return unpredict(data, num(parms, 'Columns') ?? 1);
  if (predictor !== 1) throw new Error(`predictor ${predictor} is not supported for an xref stream`);
  return data;
}

/** An xref stream: `N G obj << /Type /XRef /W [..] /Index [..] >> stream ... endstream`. */
function readXrefStream(bytes: Uint8Array, at: number): Section {
  const header = objectHeaderAt(bytes, at);
  if (!header) throw invalid(`no cross-reference section at byte ${at}`);
  let obj: PDFObject;
  try {
    obj = parseObjectAt(bytes, header.body);
  } catch (err) {
    throw invalid(`the xref stream at byte ${at} cannot be parsed (${(err as Error).message})`);
  }
  if (!(obj instanceof PDFRawStream) || obj.dict.get(PDFName.of('Type')) !== PDFName.of('XRef'))
    throw invalid(
      `no cross-reference section at byte ${at} (object ${header.num} ${header.gen} is not an xref stream)`,
    );
  const { dict } = obj;
  const w = dict.get(PDFName.of('W'));
  const widths = w instanceof PDFArray ? w.asArray().map((x) => (x instanceof PDFNumber ? x.asNumber() : -1)) : [];
  const [w0 = -1, w1 = -1, w2 = -1] = widths;
  if (widths.length !== 3 || w0 < 0 || w1 < 0 || w2 < 0 || w0 > 4 || w1 > 8 || w2 > 8)
    throw invalid(`the xref stream at byte ${at} has an invalid /W`);
  const size = num(dict, 'Size') ?? 0;
  const indexObj = dict.get(PDFName.of('Index'));
  const index =
    indexObj instanceof PDFArray
      ? indexObj.asArray().map((x) => (x instanceof PDFNumber ? x.asNumber() : -1))
      : [0, size];
  let data: Uint8Array;
  try {
    // An xref stream lists at most one row per object the file can hold: no decompression bomb.
    data = decodeXrefData(obj, Math.max(1 << 20, bytes.length * 2));
  } catch (err) {
    throw invalid(`the xref stream at byte ${at} does not decode (${(err as Error).message})`);
  }
  const rowBytes = w0 + w1 + w2;
  const field = (start: number, width: number, fallback: number): number => {
    if (width === 0) return fallback;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + (data[start + i] ?? 0);
    return v;
  };
  const entries: [number, XrefEntry][] = [];
  let row = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    const first = index[i] ?? -1;
    const count = index[i + 1] ?? -1;
    if (first < 0 || count < 0 || (row + count) * rowBytes > data.length)
      throw invalid(`the xref stream at byte ${at} lists more entries than it holds`);
    for (let k = 0; k < count; k++, row++) {
      const base = row * rowBytes;
      const type = field(base, w0, 1);
      const f2 = field(base + w0, w1, 0);
      const f3 = field(base + w0 + w1, w2, 0);
      // Types other than 0, 1, 2 are references to the null object (ISO 32000-1, 7.5.8.3).
      if (type === 0) entries.push([first + k, { kind: 'free', gen: f3 }]);
      else if (type === 1) entries.push([first + k, { kind: 'offset', gen: f3, offset: f2 }]);
      else if (type === 2) entries.push([first + k, { kind: 'compressed', stream: f2, index: f3 }]);
    }
  }
  return { entries, trailer: dict };
}

function readSection(bytes: Uint8Array, at: number, what: string): Section {
  if (at >= bytes.length)
    throw invalid(`${what} points at byte ${at}, past the end of the file (${bytes.length} bytes)`, { offset: at });
  const start = skipWhite(bytes, at);
  if (startsWith(bytes, start, XREF)) return readTable(bytes, start);
  if (!objectHeaderAt(bytes, start))
    throw invalid(`${what} points at byte ${at}, where no cross-reference section starts`, { offset: at });
  return readXrefStream(bytes, start);
}

/** Reads the whole cross-reference chain; throws a coded BoothError when it is broken. */
export function readXref(bytes: Uint8Array): XrefReading {
  const startxref = lastStartxref(bytes);
  const entries = new Map<number, XrefEntry>();
  const sections: number[] = [];
  const seen = new Set<number>();
  const reading: XrefReading = { entries, sections, startxref, encrypted: false };
  // Free entries of a hybrid file's table leave room for its /XRefStm; they shadow older sections.
  const add = (list: [number, XrefEntry][], freeWins: boolean, pendingFree: Map<number, XrefEntry>) => {
    for (const [n, e] of list) {
      if (entries.has(n)) continue;
      if (e.kind === 'free' && !freeWins) {
        if (!pendingFree.has(n)) pendingFree.set(n, e);
      } else entries.set(n, e);
    }
  };
  let next: number | undefined = startxref;
  let what = 'startxref';
  while (next !== undefined) {
    if (seen.has(next))
      throw invalid(`the cross-reference chain loops back to byte ${next} (${what})`, { offset: next });
    seen.add(next);
    const section = readSection(bytes, next, what);
    sections.push(next);
    const { trailer } = section;
    const pendingFree = new Map<number, XrefEntry>();
    const xrefStm = num(trailer, 'XRefStm');
    add(section.entries, xrefStm === undefined, pendingFree);
    if (xrefStm !== undefined) {
      if (seen.has(xrefStm)) throw invalid(`the /XRefStm of the section at byte ${next} loops`, { offset: xrefStm });
      seen.add(xrefStm);
      add(readSection(bytes, xrefStm, `the /XRefStm of the section at byte ${next}`).entries, true, pendingFree);
      for (const [n, e] of pendingFree) if (!entries.has(n)) entries.set(n, e);
    }
    const root = trailer.get(PDFName.of('Root'));
    if (!reading.root && root instanceof PDFRef) reading.root = root;
    reading.info ??= trailer.get(PDFName.of('Info'));
    reading.id ??= trailer.get(PDFName.of('ID'));
    if (trailer.get(PDFName.of('Encrypt')) !== undefined) reading.encrypted = true;
    const prev = trailer.get(PDFName.of('Prev'));
    if (prev !== undefined && !(prev instanceof PDFNumber))
      throw invalid(`the /Prev of the section at byte ${next} is not a number`);
    what = `the /Prev of the section at byte ${next}`;
    next = prev?.asNumber();
  }
  entries.set(0, { kind: 'free', gen: 65535 });
  return reading;
}
