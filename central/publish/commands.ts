import type { CentralCommand } from '../../protocol/session/schema.js';
import type { Queryable } from '../db/db.js';

/**
 * Signed orders to one booth (protocol/session/commands.ts), queued in `commands` and delivered
 * in the booth's manifest from `not_before` on. What a booth would refuse is not delivered: a
 * command issued more than a day ago (the booth's window), an unlock of a version that is no
 * longer the newest or of a package that expired or was withdrawn.
 */
export const COMMAND_MAX_AGE_MS = 24 * 3_600_000;

export async function insertCommand(
  q: Queryable,
  o: { boothId: string; command: CentralCommand; notBefore: number },
): Promise<number> {
  const c = o.command;
  const r = await q.query<{ id: number }>(
    `INSERT INTO commands (booth_id, type, package_id, version, body, not_before, issued_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING id`,
    [
      o.boothId,
      c.type,
      c.type === 'key-rotation' ? null : c.packageId,
      c.type === 'key-rotation' ? null : c.version,
      JSON.stringify(c),
      new Date(o.notBefore).toISOString(),
      c.issuedAt,
    ],
  );
  return r.rows[0]?.id ?? 0;
}

/** The commands a booth should get now, oldest first; marks them delivered (first time only). */
export async function dueCommands(q: Queryable, boothId: string, now: number): Promise<CentralCommand[]> {
  const at = new Date(now).toISOString();
  const r = await q.query<{ id: number; body: CentralCommand }>(
    `SELECT c.id, c.body FROM commands c
      WHERE c.booth_id = $1 AND c.not_before <= $2::timestamptz AND c.issued_at > $2::timestamptz - $3 * interval '1 millisecond'
        AND (c.type <> 'unlock' OR EXISTS (
              SELECT 1 FROM packages p WHERE p.package_id = c.package_id AND p.version = c.version
                 AND p.expires_at > $2::timestamptz AND p.revoked_at IS NULL
                 AND p.version = (SELECT max(version) FROM packages n WHERE n.package_id = c.package_id)))
      ORDER BY c.id LIMIT 900`,
    [boothId, at, COMMAND_MAX_AGE_MS],
  );
  if (r.rowCount > 0)
    await q.query(
      `UPDATE commands SET delivered_at = $2::timestamptz
        WHERE delivered_at IS NULL AND id IN (SELECT value::bigint FROM json_array_elements_text($1::json))`,
      [JSON.stringify(r.rows.map((c) => String(c.id))), at],
    );
  return r.rows.map((c) => c.body);
}
