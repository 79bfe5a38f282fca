import { join } from 'node:path';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { BOOTH_ID_PATTERN, boothIdOf } from '../../protocol/crypto/booth-id.js';
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
          publicKeyPem: createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'pem' }).toString(),
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

export type BoothIdSource = 'certificate' | 'certificate-cn' | 'site';

/**
 * The booth id a data directory belongs to, from what is in it: the identity certificate's booth
 * id (SAN URI `urn:booth:<id>`), else its common name, else the site record provisioning wrote
 * (`identity/site.json`). Records in a journal are hashed and signed with that id, so a tool
 * reading another booth's data directory must use it, not its own configured id. Null when the
 * directory holds none of them.
 */
export async function boothIdOfDataDir(dataDir: string): Promise<{ id: string; source: BoothIdSource } | null> {
  const paths = identityPaths(dataDir);
  const pem = await readIfExists(paths.certificate);
  if (pem) {
    try {
      const cert = new X509Certificate(pem);
      const fromSan = boothIdOf(cert);
      if (fromSan) return { id: fromSan, source: 'certificate' };
      const cn = /^CN=(.+)$/m.exec(cert.subject)?.[1]?.trim();
      if (cn && BOOTH_ID_PATTERN.test(cn)) return { id: cn, source: 'certificate-cn' };
    } catch {
      // Not a certificate: fall through to the site record.
    }
  }
  const site = await readIfExists(join(paths.dir, 'site.json'));
  if (site) {
    try {
      const id = (JSON.parse(site) as { site?: { booth?: { id?: unknown } } }).site?.booth?.id;
      if (typeof id === 'string' && BOOTH_ID_PATTERN.test(id)) return { id, source: 'site' };
    } catch {
      // An unreadable site record names nothing.
    }
  }
  return null;
}
