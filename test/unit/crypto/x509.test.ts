import { describe, expect, it } from 'vitest';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateInfo,
  createCsr,
  createSelfSignedCertificate,
  generateKeyPair,
  issueCertificate,
  newSerial,
  verifyIssued,
} from '../../../protocol/crypto/x509.js';
import { loadOrCreateIdentity, identityPaths } from '../../../device/crypto/identity.js';

describe('x509', () => {
  it('serials are minimal positive DER INTEGERs: first byte 0x01-0x7f (a 0x00 one was not found in the CRL)', () => {
    const first = (b: number) => newSerial(() => Buffer.from([b, ...Array<number>(15).fill(0xab)]));
    expect(first(0x00).slice(0, 2)).toBe('01');
    expect(first(0x80).slice(0, 2)).toBe('01');
    expect(first(0xff).slice(0, 2)).toBe('7f');
    expect(first(0x05).slice(0, 2)).toBe('05');
    for (let i = 0; i < 2000; i++) {
      const lead = parseInt(newSerial().slice(0, 2), 16);
      expect(lead >= 1 && lead <= 0x7f).toBe(true);
    }
  });

  it('issues a certificate from a CSR that chains to the CA, for the CSR key', async () => {
    const caKeys = await generateKeyPair();
    const caPem = await createSelfSignedCertificate({
      subject: 'CN=Test Central CA',
      keys: caKeys,
      days: 30,
      profile: 'ca',
    });
    const boothKeys = await generateKeyPair();
    const csr = await createCsr('CN=booth-7', boothKeys);
    const cert = await issueCertificate({
      csrPem: csr,
      caCertPem: caPem,
      caPrivateKeyPem: caKeys.privateKeyPem,
      days: 10,
      profile: 'client',
    });
    const info = certificateInfo(cert);
    expect(info.subject).toBe('CN=booth-7');
    expect(info.issuer).toBe('CN=Test Central CA');
    expect(info.publicKeyPem.trim()).toBe(boothKeys.publicKeyPem.trim());
    expect(verifyIssued(cert, caPem)).toBe(true);
    const otherCaKeys = await generateKeyPair();
    const otherCa = await createSelfSignedCertificate({
      subject: 'CN=Test Central CA',
      keys: otherCaKeys,
      days: 30,
      profile: 'ca',
    });
    expect(verifyIssued(cert, otherCa)).toBe(false);
  });

  it('refuses a CSR whose signature was tampered with', async () => {
    const caKeys = await generateKeyPair();
    const caPem = await createSelfSignedCertificate({ subject: 'CN=CA', keys: caKeys, days: 1, profile: 'ca' });
    const csr = await createCsr('CN=booth-1', await generateKeyPair());
    const body = csr.split('\n').slice(1, -2).join('');
    const der = Buffer.from(body, 'base64');
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(
      issueCertificate({
        csrPem: bad,
        caCertPem: caPem,
        caPrivateKeyPem: caKeys.privateKeyPem,
        days: 1,
        profile: 'client',
      }),
    ).rejects.toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
  });

  it('creates the booth identity once, key file mode 0600, and reloads the same one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-id-'));
    const first = await loadOrCreateIdentity(dir, 'booth-9');
    expect(first.selfSigned).toBe(true);
    expect(first.certificate.subject).toContain('CN=booth-9');
    expect((await stat(identityPaths(dir).privateKey)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateIdentity(dir, 'booth-9');
    expect(again.certificate.fingerprint256).toBe(first.certificate.fingerprint256);
    expect(again.privateKeyPem).toBe(first.privateKeyPem);
  });
});
