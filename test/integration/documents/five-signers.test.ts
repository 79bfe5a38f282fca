import { beforeAll, describe, expect, it, vi } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { appendCompletionPage, stampAndSeal, verifyPdf, type SignerPem } from '../../../device/documents/index.js';
import { verifyCommand } from '../../../device/cli/verify.js';
import { makeSigner, scratch, tool, writeTemp } from './helpers.js';

/**
 * The acceptance path: five experts sign a 96-page report in turn, each an incremental
 * revision; then the completion page is appended and sealed. pdfsig must call every signature
 * valid, qpdf must find no error, and `booth verify` must catch a changed byte.
 */
const SEATS = ['A', 'B', 'C', 'D', 'E'] as const;
const NAMES = ['张伟', '欧阳娜娜', '李四', '王五', '赵六'];
const PAGES = 96;
let signer: SignerPem;
let signed: Buffer;
let completed: Buffer;
const starts: number[] = [];

async function runVerify(path: string): Promise<{ code: number; json: ReturnType<typeof verifyPdf> }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  try {
    const code = await verifyCommand.run([path, '--json']);
    return { code, json: JSON.parse(out.join('')) as ReturnType<typeof verifyPdf> };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  signer = await makeSigner();
  let pdf: Buffer = Buffer.from(await makeReport(PAGES));
  const places = SEATS.flatMap((seat, row) => placesFor(seat, PAGES, row));
  for (let i = 0; i < SEATS.length; i++) {
    starts.push(pdf.length);
    const r = await stampAndSeal({
      pdf,
      places,
      seat: SEATS[i]!,
      signaturePng: makeSignaturePng(),
      name: NAMES[i]!,
      action: i === 2 ? 'dissent' : 'sign',
      reason: i === 2 ? '评分标准前后不一致' : undefined,
      recordId: `REC-${i + 1}`,
      project: '某某道路工程施工',
      dynamics: Buffer.from(`dynamics of ${SEATS[i]}`),
      signer,
      now: new Date(Date.UTC(2026, 10, 26, 2, 30 + i)),
    });
    expect(r.placesStamped).toBe(PAGES * 3);
    // Every earlier byte is kept: the new revision is appended.
    expect(r.pdf.subarray(0, pdf.length).equals(pdf)).toBe(true);
    pdf = r.pdf;
  }
  signed = pdf;
  const done = await appendCompletionPage({
    pdf: signed,
    project: '某某道路工程施工',
    entries: SEATS.map((seat, i) => ({
      seat,
      name: NAMES[i]!,
      time: new Date(Date.UTC(2026, 10, 26, 2, 30 + i)).toISOString(),
      action: i === 2 ? ('dissent' as const) : ('sign' as const),
      method: 'face',
      recordId: `REC-${i + 1}`,
    })),
    signer,
    now: new Date(Date.UTC(2026, 10, 26, 3, 0)),
  });
  expect(done.page).toBe(PAGES + 1);
  completed = done.pdf;
}, 120_000);

describe('five experts in turn on a 96-page report', () => {
  it('pdfsig: all five signatures valid, the last one covering the whole document; qpdf --check clean', () => {
    const path = writeTemp(scratch(), 'five.pdf', signed);
    const sig = tool('pdfsig', [path]);
    expect(sig.out.match(/Signature Validation: Signature is Valid\./g)).toHaveLength(5);
    expect(sig.out.match(/Not total document signed/g)).toHaveLength(4);
    expect(sig.out.match(/\n\s+- Total document signed/g)).toHaveLength(1);
    for (const name of ['Seal-A-REC-1', 'Seal-E-REC-5']) expect(sig.out).toContain(name);
    const check = tool('qpdf', ['--check', path]);
    expect(check.status).toBe(0);
    expect(check.out).toContain('No syntax or stream encoding errors found');
  });

  it('booth verify: every revision intact, each earlier one followed only by signed revisions', async () => {
    const { code, json } = await runVerify(writeTemp(scratch(), 'five.pdf', signed));
    expect(code).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.signatures.map((s) => s.intact)).toEqual([true, true, true, true, true]);
    expect(json.signatures.map((s) => s.changesAfter)).toEqual([
      'signed-revisions',
      'signed-revisions',
      'signed-revisions',
      'signed-revisions',
      'none',
    ]);
    expect(json.signatures[2]?.reason).toBe('评标专家签名(持不同意见): 李四, 某某道路工程施工');
    // Each signature's revision ends where the next signer's input ended.
    expect(json.signatures.slice(0, 4).map((s) => s.revisionEnd)).toEqual(starts.slice(1));
  });

  it('a changed byte in the first revision breaks every signature; one in the last breaks only the last', async () => {
    const early = Buffer.from(signed);
    const at = Math.floor(starts[0]! / 2);
    early.writeUInt8(early.readUInt8(at) ^ 0x20, at);
    const first = await runVerify(writeTemp(scratch(), 'early.pdf', early));
    expect(first.code).toBe(1);
    expect(first.json.ok).toBe(false);
    expect(first.json.signatures.every((s) => !s.intact && !s.checks.digestMatches)).toBe(true);
    expect(tool('pdfsig', [writeTemp(scratch(), 'early.pdf', early)]).out).not.toContain('Signature is Valid');

    const late = Buffer.from(signed);
    const atLate = starts[4]! + 40; // inside the fifth expert's revision, before its signature value
    late.writeUInt8(late.readUInt8(atLate) ^ 0x01, atLate);
    const last = await runVerify(writeTemp(scratch(), 'late.pdf', late));
    expect(last.json.ok).toBe(false);
    expect(last.json.signatures.map((s) => s.intact)).toEqual([true, true, true, true, false]);
  });

  it('bytes appended after the last signature are reported as unsigned changes', async () => {
    const appended = Buffer.concat([signed, Buffer.from('\n% appended later\n')]);
    const { code, json } = await runVerify(writeTemp(scratch(), 'tail.pdf', appended));
    expect(code).toBe(1);
    expect(json.signatures.every((s) => s.intact)).toBe(true);
    expect(json.signatures.every((s) => s.changesAfter === 'unsigned')).toBe(true);
    expect(json.unsignedTailBytes).toBe(18);
  });

  it('the completion page is appended, lists every seat and is sealed as a sixth revision', () => {
    const path = writeTemp(scratch(), 'done.pdf', completed);
    expect(completed.subarray(0, signed.length).equals(signed)).toBe(true);
    const sig = tool('pdfsig', [path]);
    expect(sig.out.match(/Signature is Valid\./g)).toHaveLength(6);
    expect(tool('qpdf', ['--check', path]).status).toBe(0);
    const text = tool('pdftotext', ['-f', String(PAGES + 1), '-l', String(PAGES + 1), path, '-']).out;
    expect(text).toContain('评标报告签署完成证明');
    for (const n of NAMES) expect(text).toContain(n);
    expect(text).toContain('持不同意见签署');
    expect(text).toContain('人脸识别');
    expect(text).toContain('REC-5');
    expect(verifyPdf(completed).ok).toBe(true);
  });
});
