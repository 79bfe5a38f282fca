import { BoothError } from '../../protocol/errors.js';
import type { Queryable } from '../db/db.js';
import type { CentralContext } from '../context.js';
import { writeCrlFile } from './crl.js';
import type { BoothInfo } from './schemas.js';

/**
 * The booth inventory: which booths the centre has, in which room, with which certificate, when
 * and from where each last called. A booth is its id (the one its certificate names); its
 * address is recorded by authenticateBooth for the operators, never used to recognise it.
 * Used by: booth add | list | revoke (ops.ts), status, enrollment.
 */
interface BoothRow {
  id: string;
  room: string;
  centre: string;
  hall: string;
  status: 'active' | 'revoked';
  created_at: Date;
  revoked_at: Date | null;
  revoke_reason: string | null;
  pull_url: string | null;
  last_contact_at: Date | null;
  last_address: string | null;
  serial: string | null;
  key_id: string | null;
  fingerprint256: string | null;
  issued_at: Date | null;
  not_after: Date | null;
  cert_revoked_at: Date | null;
  cert_revoke_reason: string | null;
}

/** Each booth with its current certificate: the unrevoked one, else the latest revoked. */
const SELECT_BOOTHS = `
SELECT b.id, b.room, b.centre, b.hall, b.status, b.created_at, b.revoked_at, b.revoke_reason, b.pull_url,
       b.last_contact_at, b.last_address, c.serial, c.key_id, c.fingerprint256, c.issued_at, c.not_after,
       c.revoked_at AS cert_revoked_at, c.revoke_reason AS cert_revoke_reason
  FROM booths b
  LEFT JOIN LATERAL (
    SELECT * FROM booth_certificates WHERE booth_id = b.id
     ORDER BY (revoked_at IS NULL) DESC, issued_at DESC, serial LIMIT 1
  ) c ON true`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

function toInfo(r: BoothRow): BoothInfo {
  return {
    id: r.id,
    room: r.room,
    centre: r.centre,
    hall: r.hall,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    revokedAt: iso(r.revoked_at),
    revokeReason: r.revoke_reason,
    pullUrl: r.pull_url,
    lastContactAt: iso(r.last_contact_at),
    lastAddress: r.last_address,
    certificate:
      r.serial && r.key_id && r.fingerprint256 && r.issued_at && r.not_after
        ? {
            serial: r.serial,
            keyId: r.key_id,
            fingerprint256: r.fingerprint256,
            issuedAt: r.issued_at.toISOString(),
            notAfter: r.not_after.toISOString(),
            revokedAt: iso(r.cert_revoked_at),
            revokeReason: r.cert_revoke_reason,
          }
        : null,
  };
}

export async function listBooths(db: Queryable): Promise<BoothInfo[]> {
  const r = await db.query<BoothRow>(`${SELECT_BOOTHS} ORDER BY b.id`);
  return r.rows.map(toInfo);
}

export async function getBooth(db: Queryable, id: string): Promise<BoothInfo> {
  const r = await db.query<BoothRow>(`${SELECT_BOOTHS} WHERE b.id = $1`, [id]);
  const row = r.rows[0];
  if (!row) throw new BoothError('BOOTH_ERR_NOT_FOUND', `no booth "${id}" (booth-central booth list)`, { id });
  return toInfo(row);
}

export interface NewBooth {
  id: string;
  room: string;
  centre?: string;
  hall?: string;
  pullUrl?: string;
}

/** Adds a booth; an id already in the inventory (even revoked: ids are never reused) is a 409. */
export async function addBooth(ctx: CentralContext, b: NewBooth): Promise<BoothInfo> {
  if (b.pullUrl !== undefined) checkPullUrl(b.pullUrl);
  const r = await ctx.db.query(
    `INSERT INTO booths (id, room, centre, hall, pull_url, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [b.id, b.room, b.centre ?? ctx.config.centre.name, b.hall ?? b.room, b.pullUrl ?? null, new Date(ctx.clock.now())],
  );
  if (r.rowCount === 0)
    throw new BoothError('BOOTH_ERR_CONFLICT', `booth "${b.id}" is already in the inventory (ids are never reused)`, {
      id: b.id,
    });
  ctx.log.info({ booth: b.id, room: b.room }, 'booth added');
  return getBooth(ctx.db, b.id);
}

function checkPullUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `--pull-url: "${url}" is not a URL (https://address:port)`);
  }
  if (u.protocol !== 'https:' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `--pull-url: expected https://address:port, got "${url}"`);
}

/**
 * Revokes a booth and every certificate it holds: authenticateBooth refuses it at once (403),
 * the TLS listener within enrollment.revocationPollMs (the CRL is rebuilt here and by the
 * service's poller), its enrollment tokens stop working. Revoking again changes nothing.
 */
export async function revokeBooth(
  ctx: CentralContext,
  o: { id: string; reason: string },
): Promise<{ booth: BoothInfo; certificatesRevoked: number; alreadyRevoked: boolean }> {
  const at = new Date(ctx.clock.now());
  const result = await ctx.db.tx(async (q) => {
    const cur = await q.query<{ status: string }>('SELECT status FROM booths WHERE id = $1 FOR UPDATE', [o.id]);
    const row = cur.rows[0];
    if (!row)
      throw new BoothError('BOOTH_ERR_NOT_FOUND', `no booth "${o.id}" (booth-central booth list)`, { id: o.id });
    if (row.status === 'revoked') return { certificatesRevoked: 0, alreadyRevoked: true };
    await q.query("UPDATE booths SET status = 'revoked', revoked_at = $2, revoke_reason = $3 WHERE id = $1", [
      o.id,
      at,
      o.reason,
    ]);
    const certs = await q.query(
      'UPDATE booth_certificates SET revoked_at = $2, revoke_reason = $3 WHERE booth_id = $1 AND revoked_at IS NULL',
      [o.id, at, o.reason],
    );
    return { certificatesRevoked: certs.rowCount, alreadyRevoked: false };
  });
  if (!result.alreadyRevoked) {
    ctx.log.warn({ booth: o.id, reason: o.reason, certificates: result.certificatesRevoked }, 'booth revoked');
    await writeCrlFile(ctx);
  }
  return { booth: await getBooth(ctx.db, o.id), ...result };
}

/** The key to seal a booth's roster to: its current, unrevoked certificate's (null: not enrolled or revoked). */
export async function currentBoothKey(
  db: Queryable,
  boothId: string,
): Promise<{ serial: string; keyId: string; publicKeyPem: string; certPem: string } | null> {
  const r = await db.query<{ serial: string; key_id: string; public_key_pem: string; cert_pem: string }>(
    `SELECT c.serial, c.key_id, c.public_key_pem, c.cert_pem FROM booth_certificates c JOIN booths b ON b.id = c.booth_id
      WHERE c.booth_id = $1 AND b.status = 'active' AND c.revoked_at IS NULL
      ORDER BY c.issued_at DESC LIMIT 1`,
    [boothId],
  );
  const row = r.rows[0];
  return row
    ? { serial: row.serial, keyId: row.key_id, publicKeyPem: row.public_key_pem, certPem: row.cert_pem }
    : null;
}
