import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, PDFName, PDFString, degrees } from '@cantoo/pdf-lib';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal, verifyPdf, type SignerPem, type StampRequest } from '../../../device/documents/index.js';
import { isBoothError } from '../../../protocol/errors.js';
import { readPdfLayout } from '../../../protocol/pdf/layout.js';
import { makeSigner, scratch, tool, writeTemp } from './helpers.js';

/**
 * Issue 16, structure: the document stamped is the one the cross-reference chain defines, a
 * later revision cut short or a broken chain is refused, an encrypted file is refused as such
 * whatever its xref form, and every output passes qpdf --check. Every input is generated here.
 */
let signer: SignerPem;
let report: Buffer;
let dir: string;

beforeAll(async () => {
  signer = await makeSigner();
  report = Buffer.from(await makeReport(3));
  dir = scratch();
});

function request(pdf: Uint8Array, seat = 'A', row = 0): StampRequest {
  return {
    pdf,
    places: placesFor(seat, 3, row),
    seat,
    signaturePng: makeSignaturePng(),
    name: '欧阳娜娜',
    action: 'sign',
    recordId: `REC-${seat}`,
    project: '某某道路工程施工',
    signer,
    now: new Date('2026-11-26T02:30:00Z'),
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return isBoothError(err)
      ? { code: err.code, message: err.message }
      : { code: 'not a BoothError', message: String(err) };
  }
  return { code: 'no error', message: '' };
}

function pageText(path: string, page: number): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), path, '-'], { encoding: 'utf8' });
}

/**
 * The shadow attack turned against the stamper: a second definition of page 1's object (its
 * /Contents are page 2's) inserted before the last xref section, which still points at the first.
 * Viewers (and qpdf) show page 1; pdf-lib, reading in file order, keeps the shadow.
 */
async function shadowPage1(input: Buffer): Promise<{ pdf: Buffer; pageObject: string }> {
  const doc = await PDFDocument.load(input);
  const [page1, page2] = doc.getPages();
  if (!page1 || !page2) throw new Error('expected two pages');
  const shadow = page1.node.clone();
  shadow.set(PDFName.of('Contents'), page2.node.get(PDFName.of('Contents')) ?? PDFName.of('Null'));
  const ref = page1.ref;
  const text = input.toString('latin1');
  // Just before the last cross-reference section (a table or an xref stream).
  const xrefAt = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const object = Buffer.from(
    `${ref.objectNumber} ${ref.generationNumber} obj\n${shadow.toString()}\nendobj\n`,
    'latin1',
  );
  const startxref = text.lastIndexOf('startxref');
  const tail = Buffer.from(`startxref\n${xrefAt + object.length}\n%%EOF\n`, 'latin1');
  return {
    pdf: Buffer.concat([input.subarray(0, xrefAt), object, input.subarray(xrefAt, startxref), tail]),
    pageObject: `${ref.objectNumber} ${ref.generationNumber}`,
  };
}

describe('the document stamped is the one the cross-reference chain defines', () => {
  it('a shadowed page object (qpdf clean, viewers show page 1) is refused, naming the object', async () => {
    const { pdf, pageObject } = await shadowPage1(report);
    const path = writeTemp(dir, 'shadow.pdf', pdf);
    // The attack's premise: qpdf finds nothing wrong and a viewer shows the real page 1.
    expect(tool('qpdf', ['--check', path]).status).toBe(0);
    expect(pageText(path, 1)).toContain('page 1 of 3');
    const e = await failure(stampAndSeal(request(pdf)));
    expect(e.code).toBe('BOOTH_ERR_PDF_AMBIGUOUS');
    expect(e.message).toContain(`object ${pageObject}:`);
    expect(e.message).toMatch(
      /the cross-reference table points at offset \d+; a later copy at offset \d+ that it does not point at/,
    );
    // The central's plan import reads a document as the booth will, so it refuses it too.
    const central = await failure(readPdfLayout(pdf));
    expect(central.code).toBe('BOOTH_ERR_PDF_AMBIGUOUS');
  });

  it('the same shadow over a page kept in an object stream is refused too', async () => {
    const packedPath = join(dir, 'shadow-packed.pdf');
    execFileSync('qpdf', ['--object-streams=generate', writeTemp(dir, 'shadow-in.pdf', report), packedPath]);
    const { pdf, pageObject } = await shadowPage1(readFileSync(packedPath));
    const e = await failure(stampAndSeal(request(pdf)));
    expect(e.code).toBe('BOOTH_ERR_PDF_AMBIGUOUS');
    expect(e.message).toMatch(
      new RegExp(
        `object ${pageObject}: the cross-reference table points at index \\d+ of object stream \\d+; a later copy at offset`,
      ),
    );
  });

  it('an object a later revision freed is read as viewers read it (absent), not refused', async () => {
    // Revision 1 holds an unreferenced object; revision 2 frees it. pdf-lib still finds its copy.
    const doc = await PDFDocument.load(report, { updateMetadata: false });
    const leftover = doc.context.register(PDFString.of('leftover'));
    const rev1 = Buffer.from(await doc.save({ useObjectStreams: false }));
    const text = rev1.toString('latin1');
    const prev = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1] ?? '';
    const size = doc.context.largestObjectNumber + 1;
    const root = doc.context.trailerInfo.Root?.toString() ?? '';
    const update = [
      'xref',
      '0 1',
      '0000000000 65535 f ',
      `${leftover.objectNumber} 1`,
      '0000000000 00001 f ',
      `trailer\n<< /Size ${size} /Root ${root} /Prev ${prev} >>`,
      `startxref\n${rev1.length}\n%%EOF\n`,
    ].join('\n');
    const pdf = Buffer.concat([rev1, Buffer.from(update, 'latin1')]);
    expect(tool('qpdf', ['--check', writeTemp(dir, 'freed.pdf', pdf)]).status).toBe(0);
    const r = await stampAndSeal(request(pdf));
    expect(tool('qpdf', ['--check', writeTemp(dir, 'freed-out.pdf', r.pdf)]).status).toBe(0);
    expect(verifyPdf(r.pdf).ok).toBe(true);
  });
});

describe('an earlier signature cannot be cut away', () => {
  it('a signed file cut at an object boundary under 2 KB after the earlier %%EOF is refused (truncated)', async () => {
    const signedA = (await stampAndSeal(request(report, 'A', 0))).pdf;
    const text = signedA.toString('latin1');
    // The last object boundary of seat A's revision within 2 KB after the original's %%EOF.
    let cut = -1;
    for (
      let at = text.indexOf('endobj', report.length);
      at >= 0 && at < report.length + 2000;
      at = text.indexOf('endobj', at + 1)
    )
      cut = at + 'endobj\n'.length;
    expect(cut).toBeGreaterThan(report.length);
    const truncated = signedA.subarray(0, cut);
    const e = await failure(stampAndSeal(request(truncated, 'B', 1)));
    expect(e.code).toBe('BOOTH_ERR_PDF_TRUNCATED');
    expect(e.message).toContain('follow the last %%EOF');
  });
});

describe('broken cross-reference chains are refused', () => {
  const replaceLast = (bytes: Buffer, pattern: RegExp, by: string): Buffer => {
    const text = bytes.toString('latin1');
    let last: RegExpExecArray | null = null;
    for (const m of text.matchAll(new RegExp(pattern.source, 'g'))) last = m as RegExpExecArray;
    if (!last) throw new Error('pattern not found');
    return Buffer.concat([
      bytes.subarray(0, last.index),
      Buffer.from(by, 'latin1'),
      bytes.subarray(last.index + last[0].length),
    ]);
  };

  it('a startxref past the end of the file', async () => {
    const pdf = replaceLast(report, /startxref\s+\d+/, `startxref\n${report.length + 4096}`);
    const e = await failure(stampAndSeal(request(pdf)));
    expect(e.code).toBe('BOOTH_ERR_PDF_INVALID');
    expect(e.message).toContain('past the end of the file');
  });

  it('a /Prev that points nowhere, and one that loops', async () => {
    const signed = (await stampAndSeal(request(report))).pdf;
    const nowhere = replaceLast(signed, /\/Prev \d+/, '/Prev 200');
    expect((await failure(stampAndSeal(request(nowhere, 'B', 1)))).message).toMatch(
      /\/Prev of the section at byte \d+ points at byte 200, where no cross-reference section starts/,
    );
    const last = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(signed.toString('latin1'))?.[1] ?? '';
    const loop = replaceLast(signed, /\/Prev \d+/, `/Prev ${last}`);
    const e = await failure(stampAndSeal(request(loop, 'B', 1)));
    expect(e.code).toBe('BOOTH_ERR_PDF_INVALID');
    expect(e.message).toContain('loops');
  });
});

describe('encryption is found from the xref, whatever its form', () => {
  it('an encrypted PDF with object streams and an xref stream is BOOTH_ERR_PDF_ENCRYPTED', async () => {
    const plain = writeTemp(dir, 'plain.pdf', report);
    const locked = join(dir, 'locked-objstm.pdf');
    execFileSync('qpdf', ['--encrypt', 'u', 'o', '256', '--', '--object-streams=generate', plain, locked]);
    const e = await failure(stampAndSeal(request(readFileSync(locked))));
    expect(e.code).toBe('BOOTH_ERR_PDF_ENCRYPTED');
  });
});

describe('every output passes qpdf --check', () => {
  it('classic xref, xref streams, linearized, an incrementally signed input, rotated pages', async () => {
    const packed = join(dir, 'packed.pdf');
    execFileSync('qpdf', ['--object-streams=generate', writeTemp(dir, 'in.pdf', report), packed]);
    const linearized = join(dir, 'linearized.pdf');
    execFileSync('qpdf', ['--linearize', '--object-streams=generate', join(dir, 'in.pdf'), linearized]);
    const rotatedDoc = await PDFDocument.load(report);
    rotatedDoc.getPages().forEach((p, i) => p.setRotation(degrees(90 * (i + 1))));
    const rotated = Buffer.from(await rotatedDoc.save());
    const signedOnce = (await stampAndSeal(request(report, 'B', 1))).pdf;
    const inputs: [string, Uint8Array][] = [
      ['classic', report],
      ['xref stream', readFileSync(packed)],
      ['pdf-lib object streams', await makeReport(3, { objectStreams: true })],
      ['linearized with object streams', readFileSync(linearized)],
      ['incremental signed', signedOnce],
      ['rotated', rotated],
    ];
    for (const [name, pdf] of inputs) {
      const r = await stampAndSeal(request(pdf));
      const path = writeTemp(dir, `out-${name.replace(/ /g, '-')}.pdf`, r.pdf);
      const check = tool('qpdf', ['--check', path]);
      expect(check.status, `${name}: ${check.out}`).toBe(0);
      expect(verifyPdf(r.pdf).ok, name).toBe(true);
    }
  });
});
