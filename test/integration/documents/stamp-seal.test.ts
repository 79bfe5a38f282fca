import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { openEscrow } from '../../../protocol/escrow.js';
import { keyId } from '../../../protocol/session/keys.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDFArray, PDFDict, PDFDocument, PDFName, decodePDFRawStream, rgb, PDFRawStream } from '@cantoo/pdf-lib';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal, verifyPdf, type SignerPem, type Place } from '../../../device/documents/index.js';
import { fitCentred, signatureLayout } from '../../../device/documents/stamp.js';
import { attachments, diffPixels, expectNowhere, makeSigner, renderGray, scratch, tool, writeTemp } from './helpers.js';

let signer: SignerPem;
let report: Uint8Array;
const png = makeSignaturePng(400, 150);
const now = new Date('2026-11-26T02:30:00Z');

beforeAll(async () => {
  signer = await makeSigner();
  report = await makeReport(4);
});

const base = (places: Place[]) => ({
  pdf: report,
  places,
  seat: 'A',
  signaturePng: png,
  name: '欧阳娜娜',
  action: 'sign' as const,
  recordId: 'REC-0001',
  project: '某某道路工程施工',
  signer,
  now,
});

describe('stampAndSeal: one expert signs', () => {
  it('appends one signed revision after the untouched original, verified by us, pdfsig and qpdf', async () => {
    const result = await stampAndSeal(base(placesFor('A', 4)));
    expect(result.placesStamped).toBe(12);
    expect(Buffer.compare(result.pdf.subarray(0, report.length), Buffer.from(report))).toBe(0);
    expect(result.sha256Before).toBe(createHash('sha256').update(report).digest('hex'));
    expect(result.sha256After).toBe(createHash('sha256').update(result.pdf).digest('hex'));

    const v = verifyPdf(result.pdf);
    expect(v.ok).toBe(true);
    expect(v.signatures).toHaveLength(1);
    expect(v.signatures[0]).toMatchObject({
      intact: true,
      unchangedSince: true,
      reason: '评标专家签名: 欧阳娜娜, 某某道路工程施工',
      name: '欧阳娜娜',
      subFilter: 'ETSI.CAdES.detached',
      signingTime: '2026-11-26T02:30:00.000Z',
      signer: 'booth-test',
      checks: { byteRange: true, digestMatches: true, signatureValid: true, signingCertificateMatches: true },
    });

    const dir = scratch();
    const path = writeTemp(dir, 'signed.pdf', result.pdf);
    const sig = tool('pdfsig', [path]);
    expect(sig.out).toContain('Signature Validation: Signature is Valid.');
    expect(sig.out).toContain('Total document signed');
    expect(sig.out).toContain('Signature Type: ETSI.CAdES.detached');
    expect(tool('qpdf', ['--check', path]).status).toBe(0);
    const fonts = tool('pdffonts', [path]).out;
    // Embedded, marked as a subset (six-letter tag), with a ToUnicode map (text stays searchable).
    expect(fonts).toMatch(/[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/);
  });

  it('openssl accepts the CMS over the signed byte ranges', async () => {
    const result = await stampAndSeal(base(placesFor('A', 4)));
    const [, b, c, d] = verifyPdf(result.pdf).signatures[0]!.byteRange;
    const signed = Buffer.concat([result.pdf.subarray(0, b), result.pdf.subarray(c, c + d)]);
    const hex = result.pdf.subarray(b + 1, c - 1).toString('latin1');
    const dir = scratch();
    const der = Buffer.from(hex, 'hex');
    writeTemp(dir, 'sig.der', der);
    writeTemp(dir, 'content.bin', signed);
    const r = tool('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(dir, 'sig.der'),
      '-content',
      join(dir, 'content.bin'),
      '-noverify',
      '-out',
      join(dir, 'out.bin'),
    ]);
    expect(r.out).toContain('Verification successful');
  });

  it('draws each place where asked: content stream and the shared stamp object geometry', async () => {
    const places = placesFor('A', 4);
    const result = await stampAndSeal(base(places));
    const doc = await PDFDocument.load(result.pdf);
    const page = doc.getPage(1);
    const xobjects = page.node.Resources()?.lookup(PDFName.of('XObject'), PDFDict);
    const contents = page.node.Contents() as PDFArray;
    const ops = contents
      .asArray()
      .map((ref) =>
        Buffer.from(decodePDFRawStream(doc.context.lookup(ref) as PDFRawStream).decode()).toString('latin1'),
      )
      .join('\n');
    for (const p of places.filter((q) => q.page === 2)) {
      const m = new RegExp(`1 0 0 1 ${p.x} ${p.y} cm\\s+/(\\S+) Do`).exec(ops);
      expect(m, `cm for ${p.kind}`).not.toBeNull();
      const form = xobjects?.lookup(PDFName.of(m![1]!)) as PDFRawStream | undefined;
      expect(form?.dict.lookup(PDFName.of('BBox'), PDFArray).asRectangle()).toEqual({
        x: 0,
        y: 0,
        width: p.width,
        height: p.height,
      });
      if (p.kind === 'signature') {
        const formOps = Buffer.from(decodePDFRawStream(form!).decode()).toString('latin1');
        const fit = fitCentred(
          400,
          150,
          signatureLayout({ x: 0, y: 0, width: p.width, height: p.height }, false).image,
        );
        expect(formOps).toContain(`1 0 0 1 ${fit.x} ${fit.y} cm`);
        expect(formOps).toContain(`${fit.width} 0 0 ${fit.height} 0 0 cm`);
      }
    }
    // One image for all places: embedded once per document.
    const images = doc.context
      .enumerateIndirectObjects()
      .filter(([, o]) => o instanceof PDFRawStream && o.dict.lookup(PDFName.of('Subtype')) === PDFName.of('Image'));
    expect(images.filter(([, o]) => (o as PDFRawStream).dict.has(PDFName.of('SMask'))).length).toBe(1);
  });

  it('changes pixels only inside the places (rendered with pdftoppm)', async () => {
    const places = placesFor('A', 4);
    const result = await stampAndSeal(base(places));
    const dir = scratch();
    const before = renderGray(writeTemp(dir, 'in.pdf', report), 3, 50);
    const after = renderGray(writeTemp(dir, 'out.pdf', result.pdf), 3, 50);
    const diff = diffPixels(before, after, 50);
    const mine = places.filter((p) => p.page === 3);
    const inPlaces = mine.reduce((n, p) => n + diff.inside(p), 0);
    expect(diff.count).toBeGreaterThan(0);
    expect(inPlaces).toBe(diff.count);
    for (const p of mine) expect(diff.inside(p), p.kind).toBeGreaterThan(0);
  });

  it('binds the pre-stamp hash and the 19794-7 dynamics, sealed to the escrow key, inside the signed revision', async () => {
    const dynamics = randomBytes(3000);
    const escrow = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const result = await stampAndSeal({ ...base(placesFor('A', 4)), dynamics, escrowKey: escrow.publicKey });
    const files = attachments(await PDFDocument.load(result.pdf));
    const binding = JSON.parse(files.get('REC-0001.binding.json')!.toString('utf8')) as Record<string, unknown>;
    const sha = createHash('sha256').update(dynamics).digest('hex');
    expect(binding).toMatchObject({
      format: 'booth-signature-binding/2',
      recordId: 'REC-0001',
      seat: 'A',
      action: 'sign',
      sha256Before: result.sha256Before,
      dynamics: {
        sha256: sha,
        format: 'ISO/IEC 19794-7',
        file: 'REC-0001.iso19794-7.escrow.json',
        escrow: { format: 'booth-escrow/1', recipientKeyId: keyId(escrow.publicKey) },
      },
    });
    expect([...files.keys()].sort()).toEqual(['REC-0001.binding.json', 'REC-0001.iso19794-7.escrow.json']);
    // Only the escrow holder gets the dynamics back, exactly, and they are the ones the binding names.
    const envelope = JSON.parse(files.get('REC-0001.iso19794-7.escrow.json')!.toString('utf8')) as unknown;
    const opened = openEscrow(envelope, escrow.privateKey, escrow.publicKey);
    expect(opened.equals(dynamics)).toBe(true);
    expect(createHash('sha256').update(opened).digest('hex')).toBe(sha);
    await expectNowhere(result.pdf, dynamics);
    // Everything after the original is covered by the signature (the attachments included).
    const s = verifyPdf(result.pdf).signatures[0]!;
    expect(s.revisionEnd).toBe(result.pdf.length);
  });

  it('without an escrow key the PDF carries the hash of the dynamics only, never the dynamics', async () => {
    const dynamics = randomBytes(3000);
    const result = await stampAndSeal({ ...base(placesFor('A', 4)), dynamics });
    const files = attachments(await PDFDocument.load(result.pdf));
    expect([...files.keys()]).toEqual(['REC-0001.binding.json']);
    const binding = JSON.parse(files.get('REC-0001.binding.json')!.toString('utf8')) as Record<string, unknown>;
    expect(binding.dynamics).toEqual({
      format: 'ISO/IEC 19794-7',
      sha256: createHash('sha256').update(dynamics).digest('hex'),
      file: null,
      escrow: null,
    });
    await expectNowhere(result.pdf, dynamics);
  });

  it('uses form fields named sig.<seat> / name.<seat> when no places file is given', async () => {
    const doc = await PDFDocument.create();
    const form = doc.getForm();
    for (let i = 0; i < 2; i++) {
      const page = doc.addPage([595, 842]);
      form
        .createTextField(`sig.B.${i + 1}`)
        // Opaque (white background, grey border), as template editors often make fields.
        .addToPage(page, {
          x: 300,
          y: 100,
          width: 160,
          height: 60,
          borderWidth: 1,
          backgroundColor: rgb(1, 1, 1),
          borderColor: rgb(0.5, 0.5, 0.5),
        });
      form
        .createTextField(`name.B.${i + 1}`)
        .addToPage(page, { x: 300, y: 60, width: 160, height: 30, borderWidth: 0 });
    }
    form.createTextField('notes').addToPage(doc.getPage(0), { x: 50, y: 50, width: 100, height: 20 });
    const pdf = await doc.save();
    const { places: _unused, ...rest } = base([]);
    const result = await stampAndSeal({ ...rest, pdf, seat: 'B' });
    expect(result.placesStamped).toBe(4);
    expect(verifyPdf(result.pdf).ok).toBe(true);
    // The stamp is visible: the seat's placeholder widgets are hidden, not painted over it.
    const dir = scratch();
    const before = renderGray(writeTemp(dir, 'tpl.pdf', pdf), 1, 50);
    const after = renderGray(writeTemp(dir, 'stamped.pdf', result.pdf), 1, 50);
    expect(diffPixels(before, after, 50).inside({ x: 300, y: 100, width: 160, height: 60 })).toBeGreaterThan(20);
    expect(tool('qpdf', ['--check', join(dir, 'stamped.pdf')]).status).toBe(0);
    await expect(stampAndSeal({ ...rest, pdf, seat: 'C' })).rejects.toThrow(/at least one place for seat C/);
  });

  it('writes nothing to the output when the places do not fit (CLI)', async () => {
    const dir = scratch();
    const pdfPath = writeTemp(dir, 'in.pdf', report);
    const placesPath = writeTemp(
      dir,
      'places.json',
      JSON.stringify({
        version: 1,
        places: [{ id: 'off', page: 1, x: 580, y: 10, width: 100, height: 40, seat: 'A', kind: 'signature' }],
      }),
    );
    const out = join(dir, 'out.pdf');
    const { stampCommand } = await import('../../../device/cli/stamp.js');
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(s), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await stampCommand.run([
        '--pdf',
        pdfPath,
        '--places',
        placesPath,
        '--seat',
        'A',
        '--signature',
        writeTemp(dir, 's.png', png),
        '--name',
        '张伟',
        '--out',
        out,
        '--json',
        '--data-dir',
        join(dir, 'data'),
      ]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(1);
    const json = JSON.parse(lines.join('')) as { ok: boolean; code: string; message: string };
    expect(json).toMatchObject({ ok: false, code: 'BOOTH_ERR_PDF_PLACES' });
    expect(json.message).toContain('place off');
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(pdfPath)).toEqual(Buffer.from(report));
  });
});
