import {
  createCsr,
  createSelfSignedCertificate,
  generateKeyPair,
  issueCertificate,
  type CertificateProfile,
} from '../../protocol/crypto/x509.js';
import { identityPaths, loadOrCreateIdentity } from '../../device/crypto/identity.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';
import { createPublicKey } from 'node:crypto';

/**
 * The reference central server's CA (a test and demo tool, not production PKI): it issues the
 * central server's own TLS certificates and, standing in for enrollment (issue 8), the booth's.
 */
export interface CentralCa {
  certPem: string;
  keyPem: string;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export async function createCentralCa(name = 'Reference Central CA'): Promise<CentralCa> {
  const keys = await generateKeyPair();
  const certPem = await createSelfSignedCertificate({ subject: `CN=${name}`, keys, days: 365, profile: 'ca' });
  return { certPem, keyPem: keys.privateKeyPem };
}

export async function issueCert(
  ca: CentralCa,
  o: { commonName: string; profile: CertificateProfile; altNames?: string[] },
): Promise<IssuedCert> {
  const keys = await generateKeyPair();
  const csrPem = await createCsr(`CN=${o.commonName}`, keys);
  const certPem = await issueCertificate({
    csrPem,
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    days: 30,
    profile: o.profile,
    ...(o.altNames ? { altNames: o.altNames } : {}),
  });
  return { certPem, keyPem: keys.privateKeyPem };
}

/**
 * Test stand-in for enrollment: the booth's own key gets a certificate from this CA (client and
 * server, for push and the pull listener), and the CA is written where sync looks for it.
 */
export async function enrollBoothForTests(ca: CentralCa, dataDir: string, boothId: string): Promise<void> {
  const identity = await loadOrCreateIdentity(dataDir, boothId);
  const publicKeyPem = createPublicKey(identity.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const csrPem = await createCsr(`CN=${boothId}`, { privateKeyPem: identity.privateKeyPem, publicKeyPem });
  const certPem = await issueCertificate({
    csrPem,
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    days: 30,
    profile: 'client-server',
    altNames: ['localhost', '127.0.0.1'],
  });
  const paths = identityPaths(dataDir);
  await writeFileDurable(paths.certificate, certPem, 0o644);
  await writeFileDurable(paths.centralCa, ca.certPem, 0o644);
}
