import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import {
  createCsr,
  createSelfSignedCertificate,
  generateKeyPair,
  issueCertificate,
} from '../../protocol/crypto/x509.js';
import { keyId } from '../../protocol/session/keys.js';
import { centralPaths } from '../data-dir.js';

/**
 * The centre's keys (`booth-central init`), each a 0600 file under <dataDir>/keys, never logged:
 *  - the CA: issues booth certificates at enrollment, the server's and the puller's certificates;
 *  - the session key: signs packages and commands (booths pin it at enrollment);
 *  - the escrow key: signature dynamics in sealed PDFs are encrypted to it;
 *  - the server certificate (booth-facing TLS, naming config server.names) and the client
 *    certificate (CN=central) that pulls from booths;
 *  - the admin token: the loopback admin API's bearer credential for `booth-central` commands.
 */
export interface KeyPem {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

export interface CentralKeys {
  ca: { certPem: string; keyPem: string };
  session: KeyPem;
  escrow: KeyPem;
  server: { certPem: string; keyPem: string };
  client: { certPem: string; keyPem: string };
  adminToken: string;
}

const CA_DAYS = 20 * 365;
const SERVICE_DAYS = 825;
export const CENTRAL_CLIENT_NAME = 'central';

function p256(): KeyPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyId(publicKey),
  };
}

function keyPemFrom(privateKeyPem: string): KeyPem {
  const pub = createPublicKey(createPrivateKey(privateKeyPem));
  return { privateKeyPem, publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyId(pub) };
}

async function issue(
  ca: CentralKeys['ca'],
  subject: string,
  profile: 'server' | 'client',
  altNames?: string[],
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificate({
    csrPem: await createCsr(subject, keys),
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    days: SERVICE_DAYS,
    profile,
    ...(altNames ? { altNames } : {}),
  });
  return { certPem, keyPem: keys.privateKeyPem };
}

/**
 * Creates whatever key is missing (an existing one is never replaced: booths pinned it), and a
 * server certificate naming `serverNames` when there is none or it names others. Returns what
 * was created.
 */
export async function initKeys(
  dataDir: string,
  o: { centreName: string; serverNames: readonly string[] },
): Promise<{ created: string[] }> {
  const p = centralPaths(dataDir);
  const created: string[] = [];
  let caKey = await readIfExists(p.caKey);
  let caCert = await readIfExists(p.caCert);
  if (!caKey || !caCert) {
    if (caKey || caCert)
      throw new BoothError(
        'BOOTH_ERR_CONFIG_INVALID',
        `${p.keys}: the CA key and certificate must both exist or neither`,
      );
    const keys = await generateKeyPair();
    caCert = await createSelfSignedCertificate({
      subject: `CN=${o.centreName} Booth CA`,
      keys,
      days: CA_DAYS,
      profile: 'ca',
    });
    caKey = keys.privateKeyPem;
    await writeFileDurable(p.caKey, caKey, 0o600);
    await writeFileDurable(p.caCert, caCert, 0o644);
    created.push('ca');
  }
  const ca = { certPem: caCert, keyPem: caKey };
  for (const [name, path] of [
    ['session', p.sessionKey],
    ['escrow', p.escrowKey],
  ] as const) {
    if (await readIfExists(path)) continue;
    await writeFileDurable(path, p256().privateKeyPem, 0o600);
    created.push(name);
  }
  const serverCert = await readIfExists(p.serverCert);
  if (!serverCert || !namesAll(serverCert, o.serverNames) || !issuedBy(serverCert, caCert)) {
    const s = await issue(ca, `CN=${o.serverNames[0] ?? 'central'}`, 'server', [...o.serverNames]);
    await writeFileDurable(p.serverKey, s.keyPem, 0o600);
    await writeFileDurable(p.serverCert, s.certPem, 0o644);
    created.push('server');
  }
  if (!(await readIfExists(p.clientCert))) {
    const c = await issue(ca, `CN=${CENTRAL_CLIENT_NAME}`, 'client');
    await writeFileDurable(p.clientKey, c.keyPem, 0o600);
    await writeFileDurable(p.clientCert, c.certPem, 0o644);
    created.push('client');
  }
  if (!(await readIfExists(p.adminToken))) {
    await writeFileDurable(p.adminToken, randomBytes(32).toString('base64url'), 0o600);
    created.push('admin-token');
  }
  return { created };
}

function namesAll(certPem: string, names: readonly string[]): boolean {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  return names.every((n) => san.includes(`DNS:${n}`) || san.includes(`IP Address:${n}`));
}

function issuedBy(certPem: string, caPem: string): boolean {
  return new X509Certificate(certPem).checkIssued(new X509Certificate(caPem));
}

/** Loads every key; BOOTH_ERR_NOT_READY naming the command to run when the centre is not initialised. */
export async function loadKeys(dataDir: string): Promise<CentralKeys> {
  const p = centralPaths(dataDir);
  const read = async (path: string) => {
    const text = await readIfExists(path);
    if (text === null)
      throw new BoothError('BOOTH_ERR_NOT_READY', `${path} is missing: run \`booth-central init\` first`, { path });
    return text;
  };
  return {
    ca: { certPem: await read(p.caCert), keyPem: await read(p.caKey) },
    session: keyPemFrom(await read(p.sessionKey)),
    escrow: keyPemFrom(await read(p.escrowKey)),
    server: { certPem: await read(p.serverCert), keyPem: await read(p.serverKey) },
    client: { certPem: await read(p.clientCert), keyPem: await read(p.clientKey) },
    adminToken: (await read(p.adminToken)).trim(),
  };
}
