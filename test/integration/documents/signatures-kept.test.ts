import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDict, PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal, verifyPdf, type SignerPem, type StampRequest } from '../../../device/documents/index.js';
import { loadForUpdate } from '../../../device/documents/pdf-input.js';
import { sealIncrement } from '../../../device/documents/seal.js';
import type * as SealModule from '../../../device/documents/seal.js';
import { checkSignaturesKept, signedFields } from '../../../device/documents/signatures-kept.js';
import { stampCommand } from '../../../device/cli/stamp.js';
import { isBoothError } from '../../../protocol/errors.js';
import { makeSigner, scratch, writeTemp } from './helpers.js';

/**
 * Issue 16: every signature that verifies in the input verifies in the output, checked before
 * the output is written. Faults are injected into the seal step (a stamping path that rewrites
 * the earlier revision, or one that drops the earlier signature's field from the form).
 */
const fault = vi.hoisted(() => ({ kind: null as null | 'rewrite' | 'drop-field' }));

vi.mock('../../../device/documents/seal.js', async (importOriginal) => {
  const real = await importOriginal<typeof SealModule>();
  return {
    ...real,
    sealIncrement: async (...args: Parameters<typeof real.sealIncrement>) => {
      const [doc] = args;
      if (fault.kind === 'drop-field')
        doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).set(PDFName.of('Fields'), doc.context.obj([]));
      const sealed = await real.sealIncrement(...args);
      if (fault.kind === 'rewrite') sealed.pdf[7] = 0x36; // %PDF-1.7 -> %PDF-1.6: a byte of the first revision
      return sealed;
    },
  };
});

let signer: SignerPem;
let signed: Buffer;
const PLACES = [...placesFor('A', 3), ...placesFor('B', 3, 1)];

function request(over: Partial<StampRequest>): StampRequest {
  return {
    pdf: signed,
    places: PLACES,
    seat: 'B',
    signaturePng: makeSignaturePng(),
    name: '李四',
    action: 'sign',
    recordId: 'REC-B',
    project: '道路工程',
    signer,
    now: new Date('2026-11-26T02:30:00Z'),
    ...over,
  };
}

function lostError(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}

beforeAll(async () => {
  signer = await makeSigner();
  const report = await makeReport(3);
  signed = (await stampAndSeal(request({ pdf: report, seat: 'A', name: '张伟', recordId: 'REC-A' }))).pdf;
  expect(verifyPdf(signed).ok).toBe(true);
});

describe('checkSignaturesKept (the guard)', () => {
  it('passes an incremental revision that keeps the earlier signature', async () => {
    const next = await stampAndSeal(request({}));
    expect(() => checkSignaturesKept(signed, next.pdf)).not.toThrow();
    expect(verifyPdf(next.pdf).signatures.filter((s) => s.intact)).toHaveLength(2);
  });

  it('refuses an output that rewrote or altered the earlier signed revision', async () => {
    const rewritten = Buffer.from(await (await PDFDocument.load(signed)).save());
    const err = lostError(() => checkSignaturesKept(signed, rewritten));
    expect(isBoothError(err, 'BOOTH_ERR_PDF_SIGNATURE_LOST'), String(err)).toBe(true);

    const altered = Buffer.from((await stampAndSeal(request({}))).pdf);
    altered[7] = 0x36;
    const err2 = lostError(() => checkSignaturesKept(signed, altered));
    expect(isBoothError(err2, 'BOOTH_ERR_PDF_SIGNATURE_LOST'), String(err2)).toBe(true);
    expect((err2 as Error).message).toContain('not kept as they were');
  });

  it('refuses a revision that drops the earlier signature field from the form (/AcroForm /Fields)', async () => {
    const doc = await loadForUpdate(signed, 50e6);
    const before = signedFields(doc);
    expect([...before.values()]).toEqual(['Seal-A-REC-A']);
    doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).set(PDFName.of('Fields'), doc.context.obj([]));
    const { pdf } = await sealIncrement(doc, signed, {
      signer,
      reason: 'drop',
      name: 'x',
      location: '',
      now: new Date(),
      fieldName: 'Seal-X',
      pageIndex: 0,
      reserveBytes: 8192,
    });
    // Byte for byte the earlier signature still verifies, yet it is no longer a field of the form.
    expect(verifyPdf(pdf).signatures.filter((s) => s.intact)).toHaveLength(2);
    const err = lostError(() => checkSignaturesKept(signed, pdf, { before, after: signedFields(doc) }));
    expect(isBoothError(err, 'BOOTH_ERR_PDF_SIGNATURE_LOST'), String(err)).toBe(true);
    expect((err as Error).message).toContain('Seal-A-REC-A');
    expect((err as { details: { field: string } }).details.field).toBe('Seal-A-REC-A');
    expect(signedFields(doc).get(verifyPdf(signed).signatures[0]!.byteRange.join(' '))).toBeUndefined();
  });
});

describe('booth stamp with a faulty stamping path', () => {
  async function run(argv: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      return { code: await stampCommand.run(argv), out: out.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it.each(['rewrite', 'drop-field'] as const)(
    '%s: refused with BOOTH_ERR_PDF_SIGNATURE_LOST, nothing written, no temp file',
    async (kind) => {
      const dir = scratch();
      const input = writeTemp(dir, 'signed.pdf', signed);
      const out = join(dir, 'out', 'result.pdf');
      fault.kind = kind;
      try {
        const r = await run([
          '--pdf',
          input,
          '--places',
          writeTemp(dir, 'places.json', JSON.stringify({ version: 1, places: PLACES })),
          '--seat',
          'B',
          '--signature',
          writeTemp(dir, 'sig.png', makeSignaturePng()),
          '--name',
          '李四',
          '--key',
          writeTemp(dir, 'key.pem', signer.keyPem),
          '--cert',
          writeTemp(dir, 'cert.pem', signer.certPem),
          '--data-dir',
          join(dir, 'data'),
          '--out',
          out,
          '--json',
        ]);
        expect(r.code, r.out).toBe(1);
        expect(JSON.parse(r.out)).toMatchObject({
          ok: false,
          code: 'BOOTH_ERR_PDF_SIGNATURE_LOST',
          details: { field: 'Seal-A-REC-A' },
        });
      } finally {
        fault.kind = null;
      }
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(readFileSync(input).equals(signed)).toBe(true);
    },
  );
});
