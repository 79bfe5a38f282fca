import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignedData, OID, signedAttributes, parseCertificate } from '../../../device/documents/cms.js';
import { checkCms } from '../../../protocol/pdf/cms-verify.js';
import { children, content, oidToString, read } from '../../../protocol/pdf/der.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../../protocol/crypto/x509.js';

let signer: { keyPem: string; certPem: string };
const data = [Buffer.from('first signed range '), Buffer.from('second signed range')];
const digest = createHash('sha256').update(Buffer.concat(data)).digest();

beforeAll(async () => {
  const keys = await generateKeyPair();
  const certPem = await createSelfSignedCertificate({ subject: 'CN=cms-test', keys, days: 1, profile: 'signing' });
  signer = { keyPem: keys.privateKeyPem, certPem };
});

describe('CMS SignedData for PAdES B-B', () => {
  it('carries content-type, message-digest and signing-certificate-v2, DER-sorted, and no signing-time', () => {
    const attrs = signedAttributes(digest, parseCertificate(signer.certPem));
    const set = read(attrs);
    const items = children(attrs, set);
    const types = items.map((a) => oidToString(content(attrs, children(attrs, a)[0]!)));
    expect(types.sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort());
    expect(types).not.toContain(OID.signingTime);
    const encoded = items.map((a) => Buffer.from(attrs.subarray(a.start, a.end)));
    expect([...encoded].sort(Buffer.compare)).toEqual(encoded);
  });

  it('verifies against the signed data and names the signer', () => {
    const check = checkCms(buildSignedData(digest, signer), data);
    expect(check).toMatchObject({ digestMatches: true, signatureValid: true, signingCertificateMatches: true });
    expect(check.signer?.subject).toBe('CN=cms-test');
    expect(check.signer?.selfSigned).toBe(true);
    expect(check.problems).toEqual([]);
  });

  it('reports a changed byte of the signed data as a digest mismatch', () => {
    const changed = [Buffer.from('first signed range '), Buffer.from('second signed rangE')];
    const check = checkCms(buildSignedData(digest, signer), changed);
    expect(check.digestMatches).toBe(false);
    expect(check.signatureValid).toBe(true);
    expect(check.problems).toContain('message-digest does not match the signed byte ranges');
  });

  it('reports a changed signature value', () => {
    const cms = buildSignedData(digest, signer);
    cms.writeUInt8(cms.readUInt8(cms.length - 5) ^ 0x01, cms.length - 5);
    const check = checkCms(cms, data);
    expect(check.signatureValid).toBe(false);
  });

  it('refuses a key it cannot sign PAdES with, and garbage certificates, with coded errors', async () => {
    expect(() => buildSignedData(digest, { keyPem: 'nope', certPem: signer.certPem })).toThrow(/signer key/);
    expect(() => buildSignedData(digest, { keyPem: signer.keyPem, certPem: 'nope' })).toThrow(/signer certificate/);
    expect(checkCms(Buffer.from([0x30, 0x05, 0x01]), data).problems[0]).toMatch(/^CMS:/);
  });
});
