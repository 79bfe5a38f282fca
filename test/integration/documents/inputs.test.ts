import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { PDFDocument, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampCommand } from '../../../device/cli/stamp.js';
import {
  appendCompletionPage,
  stampAndSeal,
  verifyPdf,
  type SignerPem,
  type StampRequest,
} from '../../../device/documents/index.js';
import { stampedSeats } from '../../../device/documents/stamped-seats.js';
import { compileValidator } from '../../../protocol/validate.js';
import { IdentityPartSchema } from '../../../protocol/session/schema.js';
import { attachments, failure, makeSigner, scratch, tool, writeTemp } from './helpers.js';

/**
 * Issue 16: names printed under stamps are one trimmed line of visible text, and a seat already
 * stamped in the document is refused unless a recorded staff override asks for a new revision
 * (it printed over itself).
 */
let signer: SignerPem;
let report: Uint8Array;

beforeAll(async () => {
  signer = await makeSigner();
  report = await makeReport(2);
});

const request = (over: Partial<StampRequest> = {}): StampRequest => ({
  pdf: report,
  places: [...placesFor('A', 2), ...placesFor('A-B', 2, 1)],
  seat: 'A',
  signaturePng: makeSignaturePng(),
  name: '张伟',
  action: 'sign',
  recordId: 'REC-1',
  project: '输入检查',
  signer,
  now: new Date('2026-11-26T02:30:00Z'),
  ...over,
});

describe('expert names', () => {
  it.each([
    ['only spaces', '   '],
    ['an ideographic space only', '\u3000'],
    ['a newline', '张\n伟'],
    ['a tab', '张\t伟'],
    ['a NUL', '张伟\u0000'],
    ['a C1 control', '张\u0085伟'],
    ['a line separator', '张\u2028伟'],
    ['a right-to-left override', '\u202e伟张'],
  ])('%s is refused as BOOTH_ERR_NAME_INVALID, nothing produced', async (_what, name) => {
    expect((await failure(stampAndSeal(request({ name })))).code).toBe('BOOTH_ERR_NAME_INVALID');
  });

  it('is trimmed: the seal names the expert without the spaces around', async () => {
    const r = await stampAndSeal(request({ name: '  张伟 \u3000' }));
    const s = verifyPdf(r.pdf).signatures[0]!;
    expect(s.name).toBe('张伟');
    expect(s.reason).toBe('评标专家签名: 张伟, 输入检查');
  });

  it('the completion page refuses a blank or multi-line name too', async () => {
    const entry = { seat: 'A', time: '2026-11-26T02:30:00Z', action: 'sign', method: 'face', recordId: 'R1' } as const;
    for (const name of [' ', 'a\nb'])
      expect(
        (
          await failure(
            appendCompletionPage({ pdf: report, project: 'p', entries: [{ ...entry, name }], signer, now: new Date() }),
          )
        ).code,
      ).toBe('BOOTH_ERR_NAME_INVALID');
  });

  it('the session package refuses a display name that is blank or has control characters', () => {
    const identity = (displayName: string) => ({
      expertId: 'EXP-1',
      displayName,
      assignments: [{ projectId: 'P-1', seat: 1, scheduledSignIn: '2026-11-26T08:30:00Z' }],
    });
    const v = compileValidator(IdentityPartSchema);
    expect(v.check(identity('欧阳 娜娜')).ok).toBe(true);
    for (const bad of ['   ', '张\n伟', '张\u0000伟', '\t', '张\u2028伟'])
      expect(v.check(identity(bad)).ok, bad).toBe(false);
  });
});

describe('a seat already stamped', () => {
  it('is refused; other seats (even one whose id starts the same) still stamp', async () => {
    const first = await stampAndSeal(request());
    expect(stampedSeats(await PDFDocument.load(first.pdf))).toEqual([{ seat: 'A', recordId: 'REC-1' }]);
    const again = await failure(stampAndSeal(request({ pdf: first.pdf, recordId: 'REC-2' })));
    expect(again.code).toBe('BOOTH_ERR_SEAT_STAMPED');
    expect(again.details).toMatchObject({ seat: 'A', records: ['REC-1'] });
    const other = await stampAndSeal(request({ pdf: first.pdf, seat: 'A-B', recordId: 'REC-3' }));
    expect(verifyPdf(other.pdf).signatures.every((s) => s.intact)).toBe(true);
    // A dissent on a seat already signed is a stamp too.
    const dissent = failure(
      stampAndSeal(request({ pdf: other.pdf, action: 'dissent', reason: 'x', recordId: 'REC-4' })),
    );
    expect((await dissent).code).toBe('BOOTH_ERR_SEAT_STAMPED');
  });

  it('a catalog /Names of the wrong type reads as no stamps, not a crash', async () => {
    const doc = await PDFDocument.load(report);
    doc.catalog.set(PDFName.of('Names'), PDFNumber.of(5));
    expect(stampedSeats(doc)).toEqual([]);
  });

  it('a recorded staff override makes a new revision, and its binding names the override and what it supersedes', async () => {
    const first = await stampAndSeal(request());
    const at = new Date('2026-11-26T03:00:00Z');
    const second = await stampAndSeal(
      request({ pdf: first.pdf, recordId: 'REC-2', newRevision: { staffId: 'staff-01', at } }),
    );
    const report2 = verifyPdf(second.pdf);
    expect(report2.signatures).toHaveLength(2);
    expect(report2.signatures.every((s) => s.intact)).toBe(true);
    const files = attachments(await PDFDocument.load(second.pdf));
    const binding = JSON.parse(files.get('REC-2.binding.json')!.toString('utf8')) as Record<string, unknown>;
    expect(binding.newRevision).toEqual({ staffId: 'staff-01', at: at.toISOString(), supersedes: ['REC-1'] });
    const firstBinding = JSON.parse(files.get('REC-1.binding.json')!.toString('utf8')) as Record<string, unknown>;
    expect(firstBinding.newRevision).toBeNull();
  });

  it('booth stamp refuses the second stamp of a seat, writes nothing, and stamps it with --new-revision', async () => {
    const dir = scratch();
    const pdf = writeTemp(dir, 'in.pdf', report);
    const places = writeTemp(dir, 'places.json', JSON.stringify({ version: 1, places: placesFor('A', 2) }));
    const sig = writeTemp(dir, 'sig.png', makeSignaturePng());
    const args = (input: string, out: string, ...more: string[]) => [
      ...['--pdf', input, '--places', places, '--signature', sig, '--seat', 'A', '--name', '张伟'],
      ...['--out', out, '--data-dir', join(dir, 'data'), '--json', ...more],
    ];
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
        out.push(String(s));
        return true;
      });
      try {
        return { code: await stampCommand.run(argv), json: JSON.parse(out.join('')) as Record<string, unknown> };
      } finally {
        spy.mockRestore();
      }
    };
    const a = join(dir, 'a.pdf');
    expect((await run(args(pdf, a))).code).toBe(0);
    const b = join(dir, 'b.pdf');
    const refused = await run(args(a, b));
    expect(refused).toMatchObject({ code: 1, json: { ok: false, code: 'BOOTH_ERR_SEAT_STAMPED' } });
    expect(existsSync(b)).toBe(false);
    const blank = await run(args(a, b, '--name', '  '));
    expect(blank.json).toMatchObject({ ok: false, code: 'BOOTH_ERR_NAME_INVALID' });
    const ok = await run(args(a, b, '--new-revision', 'staff-01'));
    expect(ok).toMatchObject({ code: 0, json: { ok: true } });
    expect(tool('qpdf', ['--check', b]).status).toBe(0);
  });
});
