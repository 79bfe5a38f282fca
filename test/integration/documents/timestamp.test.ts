import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal, verifyPdf, type SignerPem, type StampRequest } from '../../../device/documents/index.js';
import { isBoothError } from '../../../protocol/errors.js';
import { join } from 'node:path';
import { children, content, read } from '../../../protocol/pdf/der.js';
import { makeSigner, scratch, tool, writeTemp } from './helpers.js';
import { startTsa, type TestTsa } from './tsa.js';

let signer: SignerPem;
let report: Uint8Array;
let tsa: TestTsa;

beforeAll(async () => {
  signer = await makeSigner();
  report = await makeReport(2);
  tsa = await startTsa();
});
afterAll(async () => {
  await tsa.close();
});

const request = (options: StampRequest['options']): StampRequest => ({
  pdf: report,
  places: placesFor('A', 2),
  seat: 'A',
  signaturePng: makeSignaturePng(),
  name: '张伟',
  action: 'sign',
  recordId: 'REC-T',
  project: '时间戳项目',
  signer,
  now: new Date(),
  options,
});

describe('PAdES B-T with a timestamp authority', () => {
  it('adds a signature timestamp over the signature value; verify checks it; pdfsig still accepts', async () => {
    const before = tsa.requests;
    const r = await stampAndSeal(request({ tsaUrl: tsa.url }));
    expect(tsa.requests).toBe(before + 1);
    expect(r.level).toBe('B-T');
    const s = verifyPdf(r.pdf).signatures[0]!;
    expect(s.intact).toBe(true);
    expect(s.timestamp).toMatchObject({ intact: true, authority: 'CN=Test TSA\nO=Booth tests' });
    expect(Math.abs(Date.parse(s.timestamp!.time) - Date.now())).toBeLessThan(10 * 60_000);
    const sig = tool('pdfsig', [writeTemp(scratch(), 'bt.pdf', r.pdf)]);
    expect(sig.out).toContain('Signature is Valid.');

    // OpenSSL agrees: the token is a valid RFC 3161 token over the signature value.
    const [, b, c] = s.byteRange;
    const cms = Buffer.from(r.pdf.subarray(b + 1, c - 1).toString('latin1'), 'hex');
    const info = children(cms, read(cms));
    const signedData = children(cms, children(cms, info[1]!)[0]!);
    const signerInfo = children(cms, signedData[signedData.length - 1]!)[0]!;
    const siFields = children(cms, signerInfo);
    const signatureValue = Buffer.from(content(cms, siFields[5]!));
    const unsignedAttr = children(cms, siFields[6]!)[0]!;
    const token = children(cms, children(cms, unsignedAttr)[1]!)[0]!;
    const dir = scratch();
    writeTemp(dir, 'token.der', cms.subarray(token.start, token.end));
    writeTemp(dir, 'sigvalue.bin', signatureValue);
    writeTemp(dir, 'tsa.pem', tsa.certPem);
    const ts = tool('openssl', [
      'ts',
      '-verify',
      '-token_in',
      '-in',
      join(dir, 'token.der'),
      '-data',
      join(dir, 'sigvalue.bin'),
      '-CAfile',
      join(dir, 'tsa.pem'),
    ]);
    expect(ts.out).toContain('Verification: OK');
  });

  it('falls back to B-B when the authority fails, unless a timestamp is required', async () => {
    tsa.fail = true;
    try {
      const r = await stampAndSeal(request({ tsaUrl: tsa.url }));
      expect(r.level).toBe('B-B');
      expect(r.timestampError).toMatch(/did not answer \(HTTP 500\)/);
      expect(verifyPdf(r.pdf).signatures[0]?.timestamp).toBeNull();
      const err = await stampAndSeal(request({ tsaUrl: tsa.url, tsaRequired: true })).catch((e: unknown) => e);
      expect(isBoothError(err, 'BOOTH_ERR_PDF_SEAL')).toBe(true);
    } finally {
      tsa.fail = false;
    }
  });

  it('without a configured authority the seal is B-B and asks nobody', async () => {
    const before = tsa.requests;
    const r = await stampAndSeal(request({}));
    expect(r.level).toBe('B-B');
    expect(tsa.requests).toBe(before);
  });
});
