import { describe, expect, it } from 'vitest';
import { canonicalJson, signingBytes, writeCanonical, writeSigningBytes } from '../../../protocol/session/canonical.js';
import { base64Slices, sha256OfBase64 } from '../../../protocol/session/verify.js';
import { createHash, randomBytes } from 'node:crypto';

/**
 * Signing and verifying stream the canonical form (a 60 MB package built as one string took
 * hundreds of megabytes): the pieces must be exactly the bytes of canonicalJson / signingBytes.
 */
describe('canonical form written in pieces', () => {
  const big = randomBytes(200_000).toString('base64');
  const doc = {
    z: [1, -0, 'é"\\n\u2028', { b: null, a: true, c: undefined }],
    a: { nested: [[], {}], big },
    signature: { value: 'ignored' },
    m: 'ümlaut 中文',
  };

  it('joins to canonicalJson and signingBytes exactly', () => {
    const pieces: string[] = [];
    writeCanonical(doc, (p) => pieces.push(p));
    expect(pieces.join('')).toBe(canonicalJson(doc));
    const buffers: Buffer[] = [];
    writeSigningBytes('package', doc, (b) => buffers.push(b));
    expect(Buffer.concat(buffers).equals(signingBytes('package', doc))).toBe(true);
    expect(buffers.length).toBeGreaterThan(1);
  });

  it('refuses what canonicalJson refuses', () => {
    expect(() => writeCanonical({ x: 1.5 }, () => undefined)).toThrow(/not a safe integer/);
  });

  it('decodes base64 in slices to the same bytes and hash', () => {
    const raw = randomBytes(9 * 1024 * 1024 + 7);
    const b64 = raw.toString('base64');
    expect(Buffer.concat([...base64Slices(b64)]).equals(raw)).toBe(true);
    expect(sha256OfBase64(b64)).toBe(createHash('sha256').update(raw).digest('hex'));
  });
});
