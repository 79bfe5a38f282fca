import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { identityPaths } from '../crypto/identity.js';
import { readIfExists } from '../../protocol/crypto/key-files.js';
import { BoothError } from '../../protocol/errors.js';
import type { BoothIdentity } from '../crypto/identity.js';

/**
 * TLS material for both directions of sync: the booth's key and certificate (issued by the
 * central CA at enrollment) and the central CA, pinned: only certificates it issued are
 * accepted, optionally checked against a configured fingerprint.
 */
export interface SyncTls {
  key: string;
  cert: string;
  ca: string;
}

export async function loadSyncTls(
  dataDir: string,
  identity: BoothIdentity,
  o: { centralCaFile: string; centralCaFingerprint256: string },
): Promise<SyncTls | null> {
  const path = o.centralCaFile || identityPaths(dataDir).centralCa;
  const ca = await readIfExists(path);
  if (!ca) return null;
  let fingerprint: string;
  try {
    fingerprint = new X509Certificate(ca).fingerprint256;
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `central CA ${path}: expected a PEM certificate`,
      { path },
      { cause: err },
    );
  }
  if (o.centralCaFingerprint256 && fingerprint.toUpperCase() !== o.centralCaFingerprint256.toUpperCase())
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `central CA ${path}: fingerprint ${fingerprint} is not the pinned one`,
      {
        expected: o.centralCaFingerprint256,
      },
    );
  return { key: identity.privateKeyPem, cert: identity.certificatePem, ca };
}

export type PeerCheck = { ok: true; commonName: string } | { ok: false; status: 401 | 403; reason: string };

/**
 * Who is on the other end of a TLS socket that asked for (but did not require) a client
 * certificate: none -> 401; not issued by the pinned CA, or not an allowed name -> 403.
 */
export function checkPeer(socket: TLSSocket, allowedNames: readonly string[] | null): PeerCheck {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0)
    return { ok: false, status: 401, reason: 'a client certificate is required' };
  if (!socket.authorized)
    return {
      ok: false,
      status: 403,
      reason: `client certificate not issued by the central CA (${String(socket.authorizationError)})`,
    };
  const cn = Array.isArray(cert.subject.CN) ? cert.subject.CN[0] : cert.subject.CN;
  if (!cn || (allowedNames && !allowedNames.includes(cn)))
    return { ok: false, status: 403, reason: `client certificate ${cn ?? '(no CN)'} is not allowed here` };
  return { ok: true, commonName: cn };
}
