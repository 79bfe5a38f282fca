import { createCrl, type CrlEntry } from '../../protocol/crypto/x509.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';
import type { Queryable } from '../db/db.js';
import type { CentralContext } from '../context.js';

/**
 * The certificate revocation list of the centre's CA, made from the database (the one source of
 * truth: several central processes may share it): every booth certificate with `revoked_at`,
 * whether its booth was revoked or a later enrollment superseded it. The booth-facing listener
 * gives it to TLS (http/tls-revocation.ts); <dataDir>/keys/ca.crl.pem is the same list for
 * operators and other tools (`openssl crl -in ... -text`).
 */
export const SUPERSEDED = 'superseded';

export interface RevokedCertificate {
  serial: string;
  revokedAt: Date;
  reason: string | null;
}

/** A cheap fingerprint of what is revoked (count and latest time): the poller compares it. */
export async function revocationState(db: Queryable): Promise<string> {
  const r = await db.query<{ n: number; last: Date | null }>(
    'SELECT count(*) AS n, max(revoked_at) AS last FROM booth_certificates WHERE revoked_at IS NOT NULL',
  );
  const row = r.rows[0];
  return `${row?.n ?? 0}:${row?.last?.toISOString() ?? ''}`;
}

export async function revokedCertificates(db: Queryable): Promise<RevokedCertificate[]> {
  const r = await db.query<{ serial: string; revoked_at: Date; revoke_reason: string | null }>(
    'SELECT serial, revoked_at, revoke_reason FROM booth_certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial',
  );
  return r.rows.map((row) => ({ serial: row.serial, revokedAt: row.revoked_at, reason: row.revoke_reason }));
}

/**
 * The CRL as PEM. Times are the real clock (OpenSSL checks them against it), thisUpdate a minute
 * back for clock skew; the list is valid `days` (the service renews it daily, so a booth is never
 * refused for a stale list).
 */
export async function buildCrl(
  ctx: Pick<CentralContext, 'keys' | 'config'>,
  revoked: readonly RevokedCertificate[],
): Promise<string> {
  const now = Date.now();
  const entries: CrlEntry[] = revoked.map((c) => ({
    serialNumber: c.serial,
    revokedAt: c.revokedAt,
    ...(c.reason === SUPERSEDED ? { reason: 'superseded' as const } : {}),
  }));
  return createCrl({
    caCertPem: ctx.keys.ca.certPem,
    caPrivateKeyPem: ctx.keys.ca.keyPem,
    entries,
    thisUpdate: new Date(now - 60_000),
    nextUpdate: new Date(now + ctx.config.enrollment.crlDays * 86_400_000),
    number: Math.floor(now / 1000),
  });
}

/** Rebuilds <dataDir>/keys/ca.crl.pem from the database; returns the PEM and what it lists. */
export async function writeCrlFile(ctx: CentralContext): Promise<{ pem: string; revoked: RevokedCertificate[] }> {
  const revoked = await revokedCertificates(ctx.db);
  const pem = await buildCrl(ctx, revoked);
  await writeFileDurable(ctx.paths.crl, pem, 0o644);
  return { pem, revoked };
}
