import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal, verifyPdf, type SignerPem, type StampRequest } from '../../../device/documents/index.js';
import { signatureLayout } from '../../../device/documents/stamp.js';
import { isBoothError, type ErrorCode } from '../../../protocol/errors.js';
import { makeSigner, renderGray, scratch, tool, writeTemp } from './helpers.js';

let signer: SignerPem;
let report: Uint8Array;

beforeAll(async () => {
  signer = await makeSigner();
  report = await makeReport(3);
});

function request(over: Partial<StampRequest> = {}): StampRequest {
  return {
    pdf: report,
    places: placesFor('A', 3),
    seat: 'A',
    signaturePng: makeSignaturePng(),
    name: '欧阳娜娜',
    action: 'sign',
    recordId: 'REC-9',
    project: '某某道路工程施工',
    signer,
    now: new Date('2026-11-26T02:30:00Z'),
    ...over,
  };
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | string> {
  try {
    await p;
  } catch (err) {
    return isBoothError(err) ? err.code : `not a BoothError: ${String(err)}`;
  }
  return 'no error';
}

/** Mean grey inside a rectangle (PDF points) of a page rendered at `dpi`. */
function meanGrey(pdfPath: string, page: number, r: { x: number; y: number; width: number; height: number }): number {
  const dpi = 72;
  const g = renderGray(pdfPath, page, dpi);
  let sum = 0;
  let n = 0;
  for (let y = Math.ceil(g.height - r.y - r.height); y < g.height - r.y; y++)
    for (let x = Math.ceil(r.x); x < r.x + r.width; x++) {
      sum += g.px[y * g.width + x] ?? 255;
      n++;
    }
  return sum / n;
}

describe('actions', () => {
  it('refuse stamps nothing, returns the same bytes and a refusal record with its reason code', async () => {
    const r = await stampAndSeal(request({ action: 'refuse', reason: 'conflict-of-interest' }));
    expect(r.pdf.equals(Buffer.from(report))).toBe(true);
    expect(r.sha256After).toBe(r.sha256Before);
    expect(r.placesStamped).toBe(0);
    expect(r.refusal).toEqual({ seat: 'A', recordId: 'REC-9', reasonCode: 'conflict-of-interest' });
    const silent = await stampAndSeal(request({ action: 'refuse' }));
    expect(silent.refusal?.reasonCode).toBe('unspecified');
  });

  it('dissent needs a reason, then shows the red 持不同意见 mark and attaches the reason', async () => {
    expect(await codeOf(stampAndSeal(request({ action: 'dissent' })))).toBe('BOOTH_ERR_BAD_INPUT');
    const r = await stampAndSeal(request({ action: 'dissent', reason: '评分标准前后不一致' }));
    expect(verifyPdf(r.pdf).signatures[0]?.reason).toBe('评标专家签名(持不同意见): 欧阳娜娜, 某某道路工程施工');
    const dir = scratch();
    const path = writeTemp(dir, 'dissent.pdf', r.pdf);
    const place = placesFor('A', 3)[0]!;
    const mark = signatureLayout(place, true).mark!;
    // The mark strip has red ink: in grey it darkens, and in text it reads 持不同意见.
    expect(meanGrey(path, 1, mark)).toBeLessThan(meanGrey(writeTemp(dir, 'in.pdf', report), 1, mark) - 2);
    const text = tool('pdftotext', ['-f', '1', '-l', '1', path, '-']).out;
    expect(text).toContain('持不同意见');
    const files = tool('pdfdetach', ['-list', path]).out;
    expect(files).toContain('REC-9.dissent.txt');
    const index = /(\d+): REC-9\.dissent\.txt/.exec(files)?.[1] ?? '0';
    execFileSync('pdfdetach', ['-save', index, '-o', join(dir, 'reason.txt'), path]);
    expect(tool('cat', [join(dir, 'reason.txt')]).out).toBe('评分标准前后不一致');
  });

  it('renders a Chinese name with the embedded font: dark ink in the name box, searchable text', async () => {
    const r = await stampAndSeal(request());
    const dir = scratch();
    const path = writeTemp(dir, 'name.pdf', r.pdf);
    const nameBox = placesFor('A', 3).find((p) => p.kind === 'name')!;
    expect(meanGrey(path, 2, nameBox)).toBeLessThan(235);
    expect(meanGrey(writeTemp(dir, 'in.pdf', report), 2, nameBox)).toBeGreaterThan(250);
    const text = tool('pdftotext', ['-f', '2', '-l', '2', path, '-']).out;
    expect(text).toContain('欧阳娜娜');
    expect(text).toContain('2026-11-26 10:30');
    expect(text).toContain('REC-9');
  });

  it('refuses a name the font cannot draw instead of printing empty boxes', async () => {
    expect(await codeOf(stampAndSeal(request({ name: '张\u{10FFFD}' })))).toBe('BOOTH_ERR_BAD_INPUT');
  });
});

describe('bad input is refused before anything is produced', () => {
  it('encrypted PDF', async () => {
    const dir = scratch();
    const plain = writeTemp(dir, 'plain.pdf', report);
    const locked = join(dir, 'locked.pdf');
    execFileSync('qpdf', ['--encrypt', '', 'owner', '256', '--', plain, locked]);
    const bytes = (await import('node:fs')).readFileSync(locked);
    expect(await codeOf(stampAndSeal(request({ pdf: bytes })))).toBe('BOOTH_ERR_PDF_ENCRYPTED');
  });

  it('truncated, corrupt, not-a-PDF and oversized files', async () => {
    const truncated = report.subarray(0, Math.floor(report.length * 0.6));
    expect(await codeOf(stampAndSeal(request({ pdf: truncated })))).toBe('BOOTH_ERR_PDF_INVALID');
    expect(await codeOf(stampAndSeal(request({ pdf: Buffer.from('hello world %%EOF') })))).toBe(
      'BOOTH_ERR_PDF_INVALID',
    );
    const corrupt = Buffer.from(report);
    corrupt.fill(0x21, 200, corrupt.length - 600);
    expect(await codeOf(stampAndSeal(request({ pdf: corrupt })))).toBe('BOOTH_ERR_PDF_INVALID');
    expect(await codeOf(stampAndSeal(request({ options: { maxPdfBytes: 1024 } })))).toBe('BOOTH_ERR_PDF_TOO_LARGE');
  });

  it('bad places, unknown seat, bad image, bad request fields, bad signer', async () => {
    const offPage = [{ id: 'p9', page: 9, x: 0, y: 0, width: 10, height: 10, seat: 'A', kind: 'signature' as const }];
    expect(await codeOf(stampAndSeal(request({ places: offPage })))).toBe('BOOTH_ERR_PDF_PLACES');
    expect(await codeOf(stampAndSeal(request({ seat: 'Z' })))).toBe('BOOTH_ERR_PDF_PLACES');
    expect(await codeOf(stampAndSeal(request({ signaturePng: Buffer.from('GIF89a') })))).toBe('BOOTH_ERR_BAD_INPUT');
    expect(await codeOf(stampAndSeal(request({ recordId: 'no spaces allowed' })))).toBe('BOOTH_ERR_BAD_INPUT');
    expect(await codeOf(stampAndSeal(request({ name: '' })))).toBe('BOOTH_ERR_NAME_INVALID');
    expect(await codeOf(stampAndSeal(request({ signer: { keyPem: 'x', certPem: signer.certPem } })))).toBe(
      'BOOTH_ERR_BAD_INPUT',
    );
  });

  it('a PDF with object streams and an xref stream is updated as well (qpdf-written input)', async () => {
    const dir = scratch();
    const src = writeTemp(dir, 'src.pdf', report);
    const packed = join(dir, 'packed.pdf');
    execFileSync('qpdf', ['--object-streams=generate', src, packed]);
    const bytes = (await import('node:fs')).readFileSync(packed);
    const r = await stampAndSeal(request({ pdf: bytes }));
    expect(verifyPdf(r.pdf).ok).toBe(true);
    const path = writeTemp(dir, 'out.pdf', r.pdf);
    expect(tool('pdfsig', [path]).out).toContain('Signature is Valid.');
    expect(tool('qpdf', ['--check', path]).status).toBe(0);
  });
});

describe('documents the booth must not touch', () => {
  /** The report certified with DocMDP permission `p` (no /P at all when undefined: the default, 2). */
  async function certified(p: number | undefined): Promise<Uint8Array> {
    const { PDFDocument, PDFName } = await import('@cantoo/pdf-lib');
    const doc = await PDFDocument.load(report);
    const ctx = doc.context;
    const params = p === undefined ? { V: '1.2' } : { P: p, V: '1.2' };
    const sig = ctx.obj({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.CAdES.detached',
      Reference: [ctx.obj({ Type: 'SigRef', TransformMethod: 'DocMDP', TransformParams: ctx.obj(params) })],
    });
    doc.catalog.set(PDFName.of('Perms'), ctx.obj({ DocMDP: ctx.register(sig) }));
    return doc.save();
  }

  // Issue 16: P=2 (form filling and signing) and P=3 (also annotations) were stamped; no P allows
  // new page content, so a viewer would report the certified document as altered.
  it.each([1, 2, 3, undefined])('refuses a certified document (DocMDP P=%s), saying it is certified', async (p) => {
    const shown = p ?? 2;
    const err = await stampAndSeal(request({ pdf: await certified(p) })).catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_PDF_CERTIFIED'), String(err)).toBe(true);
    expect((err as Error).message).toContain('certified');
    expect((err as Error).message).toContain(`P=${shown} does not allow page content changes`);
    // The central server refuses it at plan import with the same code.
    const { readPdfLayout } = await import('../../../protocol/pdf/layout.js');
    expect(await codeOf(readPdfLayout(await certified(p)))).toBe('BOOTH_ERR_PDF_CERTIFIED');
  });

  it('refuses an unknown time zone in the options with a coded error', async () => {
    expect(await codeOf(stampAndSeal(request({ options: { timeZone: 'Mars/Olympus' } })))).toBe('BOOTH_ERR_BAD_INPUT');
  });
});
