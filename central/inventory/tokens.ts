import { createHash, randomBytes } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import type { CentralContext } from '../context.js';

/**
 * One-time enrollment tokens: 32 random bytes (base64url), bound to one booth of the inventory,
 * valid `ttl`. Only the SHA-256 is stored; the token itself is returned once, to the operator who
 * hands it to the technician, and never logged.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * 32 random bytes as base64url, drawn again when the text would start with '-': the technician
 * passes the token on a command line, and every getopt-style parser (node's parseArgs included)
 * reads `--token -Xyz…` as a missing argument followed by an option. That happened to 1 token in 64.
 * Redrawing costs log2(64/63) ≈ 0.02 bits of the 256.
 */
export function newEnrollToken(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const token = random(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export interface IssuedToken {
  token: string;
  boothId: string;
  expiresAt: string;
}

export async function issueToken(ctx: CentralContext, o: { boothId: string; ttlMs?: number }): Promise<IssuedToken> {
  const booth = await ctx.db.query<{ status: string }>('SELECT status FROM booths WHERE id = $1', [o.boothId]);
  const status = booth.rows[0]?.status;
  if (!status)
    throw new BoothError('BOOTH_ERR_NOT_FOUND', `no booth "${o.boothId}": add it first (booth-central booth add)`, {
      id: o.boothId,
    });
  if (status !== 'active')
    throw new BoothError('BOOTH_ERR_CONFLICT', `booth "${o.boothId}" is revoked: no token is issued for it`, {
      id: o.boothId,
    });
  const token = newEnrollToken();
  const now = ctx.clock.now();
  const expiresAt = new Date(now + (o.ttlMs ?? ctx.config.enrollment.tokenTtlMs));
  await ctx.db.query(
    'INSERT INTO enroll_tokens (token_hash, booth_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [tokenHash(token), o.boothId, new Date(now), expiresAt],
  );
  ctx.log.info({ booth: o.boothId, expiresAt: expiresAt.toISOString() }, 'enrollment token issued');
  return { token, boothId: o.boothId, expiresAt: expiresAt.toISOString() };
}
