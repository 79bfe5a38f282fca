import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCrl,
  createCsr,
  createSelfSignedCertificate,
  generateKeyPair,
  issueCertificate,
  type KeyPairPem,
} from '../../../protocol/crypto/x509.js';

/**
 * createCrl makes a list OpenSSL accepts as Node's TLS `crl` option (PEM label "X509 CRL"; the
 * generator's own "CRL" label is refused by Node with "Failed to parse CRL"), signed by the CA,
 * and a listed client certificate fails the handshake check with CERT_REVOKED.
 */
async function ca(): Promise<{ keys: KeyPairPem; pem: string }> {
  const keys = await generateKeyPair();
  return { keys, pem: await createSelfSignedCertificate({ subject: 'CN=Test CA', keys, days: 2, profile: 'ca' }) };
}

async function issue(c: { keys: KeyPairPem; pem: string }, name: string, profile: 'server' | 'client-server') {
  const keys = await generateKeyPair();
  const cert = await issueCertificate({
    csrPem: await createCsr(`CN=${name}`, keys),
    caCertPem: c.pem,
    caPrivateKeyPem: c.keys.privateKeyPem,
    days: 1,
    profile,
    altNames: [profile === 'server' ? 'localhost' : `urn:booth:${name}`],
  });
  return { cert, key: keys.privateKeyPem };
}

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('createCrl', () => {
  it('is signed by the CA, lists what it is given, and makes TLS refuse exactly those certificates', async () => {
    const authority = await ca();
    const srv = await issue(authority, 'localhost', 'server');
    const revoked = await issue(authority, 'b1', 'client-server');
    const kept = await issue(authority, 'b2', 'client-server');
    const serial = new X509Certificate(revoked.cert).serialNumber;
    const now = Date.now();
    const pem = await createCrl({
      caCertPem: authority.pem,
      caPrivateKeyPem: authority.keys.privateKeyPem,
      entries: [{ serialNumber: serial, revokedAt: new Date(now), reason: 'superseded' }],
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 86_400_000),
      number: 42,
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const crl = new x509.X509Crl(pem);
    expect(await crl.verify({ publicKey: await new x509.X509Certificate(authority.pem).publicKey.export() })).toBe(
      true,
    );
    expect(crl.findRevoked(serial)?.reason).toBe(x509.X509CrlReason.superseded);

    const seen: (string | null)[] = [];
    server = createServer({
      key: srv.key,
      cert: srv.cert,
      ca: [authority.pem],
      crl: pem,
      requestCert: true,
      rejectUnauthorized: false,
    });
    server.on('secureConnection', (s: TLSSocket) => {
      seen.push(s.authorizationError ? String(s.authorizationError) : null);
      s.destroy();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const hello = (client: { cert: string; key: string }) =>
      new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: authority.pem, ...client });
        s.on('secureConnect', () => s.end());
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    await hello(kept);
    await hello(revoked);
    expect(seen).toEqual([null, 'CERT_REVOKED']);
  });
});
