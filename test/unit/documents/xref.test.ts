import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../../../bench/documents-samples.js';
import { readXref, type XrefReading } from '../../../protocol/pdf/xref.js';
import { isBoothError } from '../../../protocol/errors.js';

/**
 * The xref reader against qpdf's reading (`qpdf --show-xref`) of the forms a PDF's
 * cross-reference can take, and the broken chains it must refuse.
 */
let dir: string;
let classic: Buffer;

function qpdf(args: string[]): void {
  execFileSync('qpdf', args, { stdio: 'pipe' });
}

function variant(name: string, args: string[]): Buffer {
  const out = join(dir, `${name}.pdf`);
  qpdf([...args, join(dir, 'classic.pdf'), out]);
  return readFileSync(out);
}

/** The reading in qpdf's `--show-xref` format (in-use entries only, object 0 left out). */
function asQpdfLines(r: XrefReading): string {
  const lines: string[] = [];
  for (const [n, e] of [...r.entries].sort((a, b) => a[0] - b[0])) {
    if (e.kind === 'offset') lines.push(`${n}/${e.gen}: uncompressed; offset = ${e.offset}`);
    if (e.kind === 'compressed') lines.push(`${n}/0: compressed; stream = ${e.stream}, index = ${e.index}`);
  }
  return lines.join('\n');
}

function qpdfXref(bytes: Buffer, password = ''): string {
  const path = join(dir, 'show.pdf');
  writeFileSync(path, bytes);
  return execFileSync('qpdf', [`--password=${password}`, '--show-xref', path], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('0/'))
    .join('\n');
}

function errorOf(bytes: Uint8Array): { code: string; message: string } {
  try {
    readXref(bytes);
  } catch (err) {
    if (isBoothError(err)) return { code: err.code, message: err.message };
    return { code: 'not a BoothError', message: String(err) };
  }
  return { code: 'no error', message: '' };
}

/** Replaces the value of the last `startxref` (or of the last `/Prev`) with `value`. */
function withLast(bytes: Buffer, key: 'startxref' | '/Prev', value: number): Buffer {
  const text = bytes.toString('latin1');
  const at = text.lastIndexOf(key);
  const m = /^(\s*)(\d+)/.exec(text.slice(at + key.length));
  if (!m) throw new Error(`no ${key}`);
  const start = at + key.length + (m[1]?.length ?? 0);
  return Buffer.concat([
    bytes.subarray(0, start),
    Buffer.from(String(value), 'latin1'),
    bytes.subarray(start + (m[2]?.length ?? 0)),
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'booth-xref-'));
  classic = Buffer.from(await makeReport(3));
  writeFileSync(join(dir, 'classic.pdf'), classic);
});

describe('readXref agrees with qpdf', () => {
  it('classic table (pdf-lib), xref streams (pdf-lib, qpdf), linearized, encrypted with object streams', async () => {
    const inputs: [string, Buffer][] = [
      ['classic', classic],
      ['pdf-lib object streams', Buffer.from(await makeReport(3, { objectStreams: true }))],
      ['qpdf object streams', variant('qos', ['--object-streams=generate'])],
      ['linearized', variant('lin', ['--linearize'])],
      ['linearized object streams', variant('linos', ['--linearize', '--object-streams=generate'])],
      ['encrypted', variant('enc', ['--encrypt', 'u', 'o', '256', '--', '--object-streams=generate'])],
    ];
    for (const [name, bytes] of inputs) {
      const mine = readXref(bytes);
      expect(asQpdfLines(mine), name).toBe(qpdfXref(bytes, name === 'encrypted' ? 'u' : ''));
      expect(mine.encrypted, name).toBe(name === 'encrypted');
      expect(mine.root, name).toBeDefined();
    }
  });

  it('follows /Prev through incremental updates, newest entry winning', () => {
    // qpdf --show-xref reads the merged chain the same way.
    const updated = Buffer.concat([
      classic,
      Buffer.from('\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Lang (en) >>\nendobj\n', 'latin1'),
    ]);
    const objAt = classic.length + 1;
    const xrefAt = updated.length;
    const startxref = /startxref\s+(\d+)/.exec(classic.toString('latin1').slice(-64))?.[1];
    const size = /\/Size (\d+)/.exec(classic.toString('latin1'))?.[1];
    const tail = `xref\n1 1\n${String(objAt).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size} /Root 1 0 R /Prev ${startxref} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const bytes = Buffer.concat([updated, Buffer.from(tail, 'latin1')]);
    const r = readXref(bytes);
    expect(r.sections).toHaveLength(2);
    expect(r.entries.get(1)).toEqual({ kind: 'offset', gen: 0, offset: objAt });
    expect(asQpdfLines(r)).toBe(qpdfXref(bytes));
  });
  it('a hybrid update: the table, then its /XRefStm stream (unfiltered, /W [1 2 1], /Index), then /Prev', () => {
    const text = classic.toString('latin1');
    const prev = /startxref\s+(\d+)/.exec(text.slice(-64))?.[1] ?? '';
    const size = Number(/\/Size (\d+)/.exec(text)?.[1]);
    const catalogAt = classic.length;
    const catalog = `1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Lang (zh) >>\nendobj\n`;
    const streamAt = catalogAt + catalog.length;
    // One row for object 1: type 1, offset (2 bytes), generation 0.
    const row = Buffer.from([1, (catalogAt >> 8) & 0xff, catalogAt & 0xff, 0]);
    const head = `${size} 0 obj\n<< /Type /XRef /Size ${size + 1} /W [1 2 1] /Index [1 1] /Length ${row.length} >>\nstream\n`;
    const stream = Buffer.concat([Buffer.from(head, 'latin1'), row, Buffer.from('\nendstream\nendobj\n', 'latin1')]);
    const tableAt = streamAt + stream.length;
    const table = `xref\n0 1\n0000000000 65535 f \n${size} 1\n${String(streamAt).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size + 1} /Root 1 0 R /Prev ${prev} /XRefStm ${streamAt} >>\nstartxref\n${tableAt}\n%%EOF\n`;
    const bytes = Buffer.concat([classic, Buffer.from(catalog, 'latin1'), stream, Buffer.from(table, 'latin1')]);
    const r = readXref(bytes);
    expect(r.entries.get(1)).toEqual({ kind: 'offset', gen: 0, offset: catalogAt });
    expect(r.entries.get(size)).toEqual({ kind: 'offset', gen: 0, offset: streamAt });
    expect(r.sections).toEqual([tableAt, Number(prev)]);
    expect(asQpdfLines(r)).toBe(qpdfXref(bytes));
  });
});

describe('readXref refuses a broken chain', () => {
  it('a startxref past the end of the file', () => {
    const e = errorOf(withLast(classic, 'startxref', classic.length + 5000));
    expect(e.code).toBe('BOOTH_ERR_PDF_INVALID');
    expect(e.message).toMatch(/startxref points at byte \d+, past the end of the file/);
  });

  it('a startxref that points where no section starts', () => {
    const e = errorOf(withLast(classic, 'startxref', 100));
    expect(e).toMatchObject({ code: 'BOOTH_ERR_PDF_INVALID' });
    expect(e.message).toContain('where no cross-reference section starts');
  });

  it('a /Prev that points nowhere, past the end, or back at its own section (a loop)', () => {
    const last = readXref(classic).startxref;
    const withPrev = (prev: number): Buffer => {
      const text = classic.toString('latin1');
      const at = text.lastIndexOf('trailer');
      const dictAt = text.indexOf('<<', at) + 2;
      return Buffer.concat([
        classic.subarray(0, dictAt),
        Buffer.from(` /Prev ${prev} `, 'latin1'),
        classic.subarray(dictAt),
      ]);
    };
    expect(errorOf(withPrev(100)).message).toMatch(/\/Prev of the section at byte \d+ points at byte 100, where no/);
    expect(errorOf(withPrev(10_000_000)).message).toMatch(/past the end of the file/);
    const loop = errorOf(withPrev(last));
    expect(loop.code).toBe('BOOTH_ERR_PDF_INVALID');
    expect(loop.message).toContain('loops');
  });

  it('an xref stream that inflates beyond what the file could list (a decompression bomb)', () => {
    const data = deflateSync(Buffer.alloc(8 << 20));
    const head = `9 0 obj\n<< /Type /XRef /Size 10 /W [1 2 1] /Filter /FlateDecode /Length ${data.length} >>\nstream\n`;
    const body = Buffer.concat([Buffer.from(`%PDF-1.7\n`, 'latin1'), Buffer.from(head, 'latin1'), data]);
    const bytes = Buffer.concat([body, Buffer.from(`\nendstream\nendobj\nstartxref\n9\n%%EOF\n`, 'latin1')]);
    const e = errorOf(bytes);
    expect(e.code).toBe('BOOTH_ERR_PDF_INVALID');
    expect(e.message).toContain('does not decode');
  });

  it('bytes after the last %%EOF: a later revision cut short', () => {
    const cut = Buffer.concat([classic, Buffer.from('9 0 obj\n<< /Type /Page >>\nendobj\n', 'latin1')]);
    const e = errorOf(cut);
    expect(e.code).toBe('BOOTH_ERR_PDF_TRUNCATED');
    expect(e.message).toContain('follow the last %%EOF');
    // Trailing whitespace (and NUL padding some transfers add) is not data.
    expect(errorOf(Buffer.concat([classic, Buffer.from('\r\n\0\0 ', 'latin1')])).code).toBe('no error');
  });
});
