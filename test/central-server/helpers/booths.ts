import { X509Certificate } from 'node:crypto';
import type { CentralKeys } from '../../../central/pki/keys.js';
import type { Queryable } from '../../../central/db/db.js';
import { boothUri } from '../../../protocol/crypto/booth-id.js';
import { createCsr, generateKeyPair, issueCertificate, type KeyPairPem } from '../../../protocol/crypto/x509.js';
import { keyId, publicKeyFrom } from '../../../protocol/session/keys.js';

/**
 * A booth as enrollment leaves it, without going through enrollment: its own P-256 key, a
 * certificate from the test central's CA naming it (SAN urn:booth:<id>, as enrollment issues
 * them), and the inventory rows (booths, booth_certificates) the central server checks.
 */
export interface TestBooth {
  id: string;
  keys: KeyPairPem;
  certPem: string;
  serial: string;
}

export async function enrollTestBooth(
  q: Queryable,
  ca: CentralKeys['ca'],
  id: string,
  o: { room?: string; status?: 'active' | 'revoked'; certRevoked?: boolean } = {},
): Promise<TestBooth> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificate({
    csrPem: await createCsr(`CN=${id}`, keys),
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    days: 3650,
    profile: 'client-server',
    altNames: [boothUri(id)],
  });
  const cert = new X509Certificate(certPem);
  const serial = cert.serialNumber.toUpperCase();
  await q.query(
    `INSERT INTO booths (id, room, status) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status`,
    [id, o.room ?? 'hall', o.status ?? 'active'],
  );
  // Enrolling again replaces the booth's key: its earlier certificates are revoked.
  await q.query('UPDATE booth_certificates SET revoked_at = now() WHERE booth_id = $1 AND revoked_at IS NULL', [id]);
  await q.query(
    `INSERT INTO booth_certificates (serial, booth_id, key_id, public_key_pem, cert_pem, fingerprint256, issued_at, not_after, revoked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      serial,
      id,
      keyId(publicKeyFrom(keys.publicKeyPem)),
      keys.publicKeyPem,
      certPem,
      cert.fingerprint256,
      new Date(cert.validFrom).toISOString(),
      new Date(cert.validTo).toISOString(),
      o.certRevoked ? new Date().toISOString() : null,
    ],
  );
  return { id, keys, certPem, serial };
}
