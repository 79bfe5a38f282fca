import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import {
  createSelfSignedCertificate,
  generateKeyPair,
  certificateInfo,
  type CertificateInfo,
} from '../../protocol/crypto/x509.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';

/** Where the booth's own credentials live inside the data directory. */
export function identityPaths(dataDir: string) {
  const dir = join(dataDir, 'identity');
  return {
    dir,
    privateKey: join(dir, 'booth.key.pem'),
    certificate: join(dir, 'booth.cert.pem'),
    centralCa: join(dir, 'central-ca.pem'),
  };
}

export interface BoothIdentity {
  privateKeyPem: string;
  certificatePem: string;
  certificate: CertificateInfo;
  /** true until provisioning replaces the self-signed certificate with one from the central CA. */
  selfSigned: boolean;
}

/**
 * The booth's signing identity: loaded from the data directory, or at first start a fresh
 * ECDSA P-256 key pair (never leaves the device, mode 0600) and a self-signed certificate.
 */
export async function loadOrCreateIdentity(dataDir: string, boothId: string): Promise<BoothIdentity> {
  const paths = identityPaths(dataDir);
  let keyPem = await readIfExists(paths.privateKey);
  let certPem = await readIfExists(paths.certificate);
  if (!keyPem || !certPem) {
    const keys = keyPem
      ? {
          privateKeyPem: keyPem,
          publicKeyPem: createPrivateKey(keyPem).export({ type: 'spki', format: 'pem' }).toString(),
        }
      : await generateKeyPair();
    certPem = await createSelfSignedCertificate({
      subject: `CN=${boothId}, O=Evaluation booth (self-signed)`,
      keys,
      days: 3650,
      profile: 'signing',
    });
    if (!keyPem) await writeFileDurable(paths.privateKey, keys.privateKeyPem, 0o600);
    await writeFileDurable(paths.certificate, certPem, 0o644);
    keyPem = keys.privateKeyPem;
  }
  const certificate = certificateInfo(certPem);
  return {
    privateKeyPem: keyPem,
    certificatePem: certPem,
    certificate,
    selfSigned: certificate.subject === certificate.issuer,
  };
}
