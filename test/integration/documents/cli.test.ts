import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampCommand } from '../../../device/cli/stamp.js';
import { verifyCommand } from '../../../device/cli/verify.js';
import { verifyPdf } from '../../../device/documents/index.js';
import { attachments, expectNowhere, scratch, tool, writeTemp } from './helpers.js';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { PDFDocument } from '@cantoo/pdf-lib';
import { openEscrow } from '../../../protocol/escrow.js';
import { keyId } from '../../../protocol/session/keys.js';

/** `booth stamp` and `booth verify` as a technician runs them, with the booth identity on disk. */
let dir: string;
let pdfPath: string;
let placesPath: string;
let sigPath: string;
let original: Buffer;

async function run(cmd: typeof stampCommand, argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  try {
    return { code: await cmd.run(argv), out: out.join('') };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  dir = scratch();
  original = Buffer.from(await makeReport(3));
  pdfPath = writeTemp(dir, 'report.pdf', original);
  placesPath = writeTemp(
    dir,
    'places.json',
    JSON.stringify({ version: 1, places: [...placesFor('A', 3), ...placesFor('B', 3, 1)] }),
  );
  sigPath = writeTemp(dir, 'sig.png', makeSignaturePng());
});

const common = () => ['--places', placesPath, '--signature', sigPath, '--data-dir', join(dir, 'data'), '--json'];

describe('booth stamp / booth verify', () => {
  it('two experts in turn with the booth identity; the input file is never modified', async () => {
    const first = join(dir, 'a.pdf');
    const a = await run(stampCommand, [
      '--pdf',
      pdfPath,
      '--seat',
      'A',
      '--name',
      '张伟',
      '--out',
      first,
      '--project',
      '道路工程',
      ...common(),
    ]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ ok: true, action: 'sign', placesStamped: 9, level: 'B-B', out: first });
    const second = join(dir, 'b.pdf');
    const b = await run(stampCommand, [
      '--pdf',
      first,
      '--seat',
      'B',
      '--name',
      '李四',
      '--action',
      'dissent',
      '--reason',
      '价格分计算有误',
      '--record-id',
      'REC-B',
      '--project',
      '道路工程',
      '--out',
      second,
      ...common(),
    ]);
    expect(b.code).toBe(0);
    expect(readFileSync(pdfPath).equals(original)).toBe(true);
    // The booth created its identity once and signed both revisions with it.
    expect(readdirSync(join(dir, 'data', 'identity')).sort()).toEqual(['booth.cert.pem', 'booth.key.pem']);
    const report = verifyPdf(readFileSync(second));
    expect(report.ok).toBe(true);
    expect(report.signatures.map((s) => s.signer)).toEqual(['booth-dev', 'booth-dev']);
    expect(report.signatures[1]?.reason).toBe('评标专家签名(持不同意见): 李四, 道路工程');
    const v = await run(verifyCommand, [second]);
    expect(v.code).toBe(0);
    expect(v.out).toContain('#1 VALID');
    expect(v.out).toContain('later revisions appended, each signed');
    expect(v.out).toContain('verify: OK (2 signatures, whole file covered)');
    expect(tool('pdfsig', [second]).out.match(/Signature is Valid\./g)).toHaveLength(2);
  });

  it('refuse writes nothing and prints the refusal', async () => {
    const out = join(dir, 'refused.pdf');
    const r = await run(stampCommand, [
      '--pdf',
      pdfPath,
      '--seat',
      'A',
      '--name',
      '张伟',
      '--action',
      'refuse',
      '--reason',
      'absent',
      '--out',
      out,
      ...common(),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      action: 'refuse',
      out: null,
      refusal: { seat: 'A', reasonCode: 'absent' },
    });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to write over its input, and verify fails on an unsigned file', async () => {
    const r = await run(stampCommand, [
      '--pdf',
      pdfPath,
      '--seat',
      'A',
      '--name',
      '张伟',
      '--out',
      pdfPath,
      ...common(),
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_BAD_INPUT' });
    expect(readFileSync(pdfPath).equals(original)).toBe(true);
    const v = await run(verifyCommand, [pdfPath]);
    expect(v.code).toBe(1);
    expect(v.out).toContain('no signatures found');
  });

  it('--dynamics: sealed to --escrow-key, else to the enrolled escrow key, else only their hash', async () => {
    const dynamics = randomBytes(2500);
    const dynPath = writeTemp(dir, 'sig.iso19794-7', dynamics);
    const escrow = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const escrowPem = escrow.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const data = join(dir, 'data-escrow');
    const stamp = (out: string, ...extra: string[]) =>
      run(stampCommand, [
        '--pdf',
        pdfPath,
        '--seat',
        'A',
        '--name',
        '张伟',
        '--record-id',
        'REC-D',
        '--dynamics',
        dynPath,
        '--out',
        join(dir, out),
        '--places',
        placesPath,
        '--signature',
        sigPath,
        '--data-dir',
        data,
        '--json',
        ...extra,
      ]);
    const opened = async (file: string) => {
      const pdf = readFileSync(join(dir, file));
      await expectNowhere(pdf, dynamics);
      const envelope = attachments(await PDFDocument.load(pdf)).get('REC-D.iso19794-7.escrow.json');
      return envelope ? openEscrow(JSON.parse(envelope.toString('utf8')), escrow.privateKey, escrow.publicKey) : null;
    };

    const explicit = await stamp('d1.pdf', '--escrow-key', writeTemp(dir, 'escrow.pem', escrowPem));
    expect(explicit.code, explicit.out).toBe(0);
    expect(JSON.parse(explicit.out)).toMatchObject({ dynamics: { escrowKeyId: keyId(escrow.publicKey) } });
    expect((await opened('d1.pdf'))?.equals(dynamics)).toBe(true);

    const none = await stamp('d2.pdf');
    expect(JSON.parse(none.out)).toMatchObject({ ok: true, dynamics: { escrowKeyId: null } });
    expect(await opened('d2.pdf')).toBeNull();

    writeTemp(join(data, 'identity'), 'central-escrow.pem', escrowPem);
    const enrolled = await stamp('d3.pdf');
    expect(JSON.parse(enrolled.out)).toMatchObject({ dynamics: { escrowKeyId: keyId(escrow.publicKey) } });
    expect((await opened('d3.pdf'))?.equals(dynamics)).toBe(true);

    const missing = await stamp('d4.pdf', '--escrow-key', join(dir, 'no-such.pem'));
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_NOT_FOUND' });
  });
});
