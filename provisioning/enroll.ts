import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { BoothError, ERROR_CODES, type ErrorCode } from '../protocol/errors.js';
import { compileValidator } from '../protocol/validate.js';
import { identityPaths } from '../device/crypto/identity.js';
import { readIfExists, writeFileDurable } from '../protocol/crypto/key-files.js';
import { createCsr, generateKeyPair, verifyIssued, type KeyPairPem } from '../protocol/crypto/x509.js';
import { ENROLL_PATH, EnrollResponse, type EnrollRequest, SiteConfig } from '../protocol/enroll.js';
import { postJson } from './http-json.js';
import { keyId, publicKeyFrom } from '../protocol/session/keys.js';

const responseValidator = compileValidator(EnrollResponse, { code: 'BOOTH_ERR_ENROLL_FAILED' });
const siteValidator = compileValidator(SiteConfig, { code: 'BOOTH_ERR_CONFIG_INVALID' });

/** Where provisioning records what the central server said (no secrets in it). */
export function sitePath(dataDir: string): string {
  return join(identityPaths(dataDir).dir, 'site.json');
}

/**
 * The booth's key pair: the one already on the device (a retry, or a booth that ran before
 * provisioning) or a new one, written with mode 0600 before anything is sent, so a retry after a
 * lost answer presents the same key and gets the same certificate.
 */
export async function ensureKeyPair(dataDir: string): Promise<KeyPairPem & { created: boolean }> {
  const path = identityPaths(dataDir).privateKey;
  const existing = await readIfExists(path);
  if (existing) {
    const publicKeyPem = createPublicKey(createPrivateKey(existing)).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKeyPem: existing, publicKeyPem, created: false };
  }
  const keys = await generateKeyPair();
  await writeFileDurable(path, keys.privateKeyPem, 0o600);
  return { ...keys, created: true };
}

export async function buildRequest(
  keys: KeyPairPem,
  token: string,
  hardware?: Record<string, string>,
): Promise<EnrollRequest> {
  // The subject is a hint only: the central server names the booth from the token's site.
  const csr = await createCsr('CN=booth-enrolling', keys);
  return { token, csr, ...(hardware ? { hardware } : {}) };
}

/** Validates an answer: schema, chain to the CA it names, and our own public key in the certificate. */
export function checkResponse(raw: unknown, keys: KeyPairPem): EnrollResponse {
  const response = responseValidator.parse(raw, 'enrollment response');
  if (!verifyIssued(response.certificate, response.caCertificate))
    throw new BoothError(
      'BOOTH_ERR_ENROLL_FAILED',
      'enrollment response: the certificate does not chain to the CA sent',
    );
  const certKey = new X509Certificate(response.certificate).publicKey.export({ type: 'spki', format: 'der' });
  const ourKey = createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
  if (!certKey.equals(ourKey))
    throw new BoothError('BOOTH_ERR_ENROLL_FAILED', 'enrollment response: the certificate is for another key');
  for (const [purpose, k] of Object.entries(response.keys)) {
    let id: string;
    try {
      id = keyId(publicKeyFrom(k.publicKeyPem));
    } catch {
      throw new BoothError(
        'BOOTH_ERR_ENROLL_FAILED',
        `enrollment response: the ${purpose} key is not a P-256 public key`,
      );
    }
    if (id !== k.keyId)
      throw new BoothError(
        'BOOTH_ERR_ENROLL_FAILED',
        `enrollment response: the ${purpose} key is not the key its keyId names`,
      );
  }
  return response;
}

/** Where the central keys the booth pins are written (the session vault and the sealer read them there). */
export function pinnedKeyPaths(dataDir: string): { session: string; escrow: string } {
  const dir = identityPaths(dataDir).dir;
  return { session: join(dir, 'central-session.pem'), escrow: join(dir, 'central-escrow.pem') };
}

/** Online enrollment: one POST; refusals keep the server's code and message. */
export async function enrollOnline(o: {
  centralUrl: string;
  request: EnrollRequest;
  keys: KeyPairPem;
  caPem?: string;
}): Promise<EnrollResponse> {
  const url = new URL(ENROLL_PATH, o.centralUrl).href;
  const { status, body } = await postJson(url, o.request, o.caPem ? { caPem: o.caPem } : {});
  if (status !== 200) {
    const b = (body ?? {}) as { code?: string; message?: string };
    const code: ErrorCode =
      b.code && b.code.startsWith('BOOTH_ERR_ENROLL') && b.code in ERROR_CODES
        ? (b.code as ErrorCode)
        : 'BOOTH_ERR_ENROLL_FAILED';
    throw new BoothError(code, `central refused enrollment (${status}): ${b.message ?? JSON.stringify(body)}`, {
      status,
    });
  }
  return checkResponse(body, o.keys);
}

/**
 * Writes the certificate, the central CA, the central keys to pin (the session key that signs
 * packages and commands, the escrow key signature dynamics are encrypted to) and the site record,
 * each atomically (temp, fsync, rename, fsync dir). The token is not among them: it is forgotten
 * once this returns.
 */
export async function installCredentials(dataDir: string, response: EnrollResponse, centralUrl: string): Promise<void> {
  const paths = identityPaths(dataDir);
  const site = siteValidator.parse(structuredClone(response.site), 'site configuration');
  const pins = pinnedKeyPaths(dataDir);
  await writeFileDurable(paths.centralCa, response.caCertificate, 0o644);
  await writeFileDurable(pins.session, response.keys.session.publicKeyPem, 0o644);
  await writeFileDurable(pins.escrow, response.keys.escrow.publicKeyPem, 0o644);
  await writeFileDurable(paths.certificate, response.certificate, 0o644);
  const cert = new X509Certificate(response.certificate);
  const record = {
    centralUrl,
    enrolledAt: new Date().toISOString(),
    certificate: { subject: cert.subject, fingerprint256: cert.fingerprint256, validTo: cert.validTo },
    caFingerprint256: new X509Certificate(response.caCertificate).fingerprint256,
    keys: { session: response.keys.session.keyId, escrow: response.keys.escrow.keyId },
    site,
  };
  await writeFileDurable(sitePath(dataDir), `${JSON.stringify(record, null, 2)}\n`, 0o644);
}
