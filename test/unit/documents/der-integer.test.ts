import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seq, smallInt, unsignedInteger } from '../../../protocol/pdf/der.js';
import { timestampRequest } from '../../../device/documents/timestamp.js';

/**
 * Issue 16: every DER INTEGER the booth writes is minimal (X.690 8.3.2). Random bytes start with
 * 0x00 once in 256; written as they were, OpenSSL refused the token ("illegal padding").
 * The encodings are parsed back by OpenSSL, which flags a padded INTEGER as "BAD INTEGER".
 */
const openssl = (args: string[], file: string) => {
  const r = spawnSync('openssl', [...args, file], { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
};
const tmp = (name: string, bytes: Uint8Array) => {
  const path = join(mkdtempSync(join(tmpdir(), 'booth-der-')), name);
  writeFileSync(path, bytes);
  return path;
};
const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

// input bytes -> the DER content octets and the value OpenSSL prints
const EDGES: [string, string, string][] = [
  ['00 7f 01 02', '7f0102', '7F0102'],
  ['00 80 01 02', '00800102', '800102'],
  ['80 01 02', '00800102', '800102'],
  ['00', '00', '00'],
  ['00 00 00 00', '00', '00'],
  ['00 00 01', '01', '01'],
  ['ff ff', '00ffff', 'FFFF'],
  ['00 00 80', '0080', '80'],
  ['', '00', '00'],
];

describe('DER INTEGER from unsigned bytes', () => {
  it.each(EDGES)('%s encodes minimally', (input, contentHex) => {
    const der = unsignedInteger(hex(input));
    expect(der[0]).toBe(0x02);
    expect(der.subarray(2).toString('hex')).toBe(contentHex);
  });

  it('OpenSSL reads every edge value back as the same number, none "BAD INTEGER"', () => {
    const file = tmp('edges.der', seq(...EDGES.map(([input]) => unsignedInteger(hex(input)))));
    const r = openssl(['asn1parse', '-inform', 'DER', '-in'], file);
    expect(r.status).toBe(0);
    expect(r.out).not.toMatch(/BAD INTEGER/);
    const values = [...r.out.matchAll(/INTEGER\s+:(\S+)/g)].map((m) => m[1]);
    expect(values).toEqual(EDGES.map(([, , printed]) => printed));
  });

  it('the padded form is what OpenSSL flags (the check above can fail)', () => {
    const r = openssl(['asn1parse', '-inform', 'DER', '-in'], tmp('bad.der', hex('3004 0202 007f')));
    expect(r.out).toMatch(/BAD INTEGER/);
  });

  it('small integers (versions, CRL numbers) stay minimal past 127', () => {
    expect(smallInt(0).toString('hex')).toBe('020100');
    expect(smallInt(1).toString('hex')).toBe('020101');
    expect(smallInt(128).toString('hex')).toBe('02020080');
    expect(smallInt(256).toString('hex')).toBe('02020100');
    expect(smallInt(0x6a18d580).toString('hex')).toBe('02046a18d580');
  });

  it.each([
    ['00 7f', '7F'],
    ['00 80', '80'],
    ['80 00', '8000'],
    ['00 00 00 00 00 00 00 00', '0x0'],
  ])('a timestamp request with nonce %s parses with openssl ts -query', (nonce, _printed) => {
    const req = timestampRequest(Buffer.alloc(32, 7), hex(nonce));
    const r = openssl(['ts', '-query', '-text', '-in'], tmp('req.tsq', req));
    expect(r.out).not.toMatch(/illegal padding|error/i);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/Nonce: /);
  });
});
