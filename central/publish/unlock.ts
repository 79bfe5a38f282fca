import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { buildRevokeCommand, buildUnlockCommand } from '../../protocol/session/commands.js';
import type { CentralContext } from '../context.js';
import { defineOp } from '../ops/op.js';
import { isoInstant, parsePlanTime } from '../plan/local-time.js';
import { PLAN_LOCK } from '../plan/store.js';
import { insertCommand } from './commands.js';

/**
 * `booth-central unlock --date D [--at TIME]`: orders every booth of the day to open its roster
 * (名单解密) at TIME (default now) instead of waiting for the package's unlockAt. One signed
 * command per booth, bound to the newest version of that booth's package, delivered from TIME
 * on and dated TIME (the booth accepts a command only within minutes of its date, so an order
 * for 08:00 tomorrow is signed for 08:00 tomorrow, not for now).
 *
 * `booth-central revoke --date D --booth ID --reason R`: withdraws a booth's package of the day:
 * every version up to the newest is closed at the booth (no-shows recorded) and never installed
 * again; the manifest stops naming it.
 */
const DateField = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

interface Newest {
  package_id: string;
  version: number;
  booth_id: string;
  unlock_at: Date;
  expires_at: Date;
}

async function newestOfDay(ctx: CentralContext, date: string, boothId?: string): Promise<Newest[]> {
  const r = await ctx.db.query<Newest>(
    `SELECT DISTINCT ON (package_id) package_id, version, booth_id, unlock_at, expires_at, revoked_at FROM packages
      WHERE date = $1 AND ($2::text IS NULL OR booth_id = $2) ORDER BY package_id, version DESC`,
    [date, boothId ?? null],
  );
  const live = r.rows.filter((p) => !(p as Newest & { revoked_at: Date | null }).revoked_at);
  if (live.length === 0)
    throw new BoothError(
      'BOOTH_ERR_NOT_FOUND',
      `nothing published for ${date}${boothId ? ` at booth ${boothId}` : ''} (or it was revoked): publish first`,
    );
  return live;
}

export async function unlockDay(ctx: CentralContext, input: { date: string; at?: string | undefined }) {
  const now = ctx.clock.now();
  let at = now;
  if (input.at !== undefined) {
    const t = parsePlanTime(input.at, input.date, ctx.config.packages.timeZone);
    if (!t.ok) throw new BoothError('BOOTH_ERR_BAD_INPUT', `--at ${input.at}: ${t.why}`);
    at = Math.max(t.ms, now);
  }
  const packages = await newestOfDay(ctx, input.date);
  const late = packages.filter((p) => p.expires_at.getTime() <= at);
  if (late.length > 0)
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      `unlock at ${isoInstant(at)}: ${late.map((p) => `${p.package_id} expires at ${isoInstant(p.expires_at.getTime())}`).join(', ')}`,
    );
  const out = await ctx.db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PLAN_LOCK]);
    const list = [];
    for (const p of packages) {
      const cmd = buildUnlockCommand(
        { packageId: p.package_id, version: p.version, boothId: p.booth_id, issuedAt: at },
        ctx.keys.session.privateKeyPem,
      );
      await insertCommand(q, { boothId: p.booth_id, command: cmd, notBefore: at });
      list.push({
        boothId: p.booth_id,
        packageId: p.package_id,
        version: p.version,
        deliverFrom: cmd.issuedAt,
        packageUnlockAt: isoInstant(p.unlock_at.getTime()),
      });
    }
    return list;
  });
  const warnings = out
    .filter((c) => Date.parse(c.packageUnlockAt) <= at)
    .map((c) => `${c.packageId}: its roster opens on its own at ${c.packageUnlockAt}, before this command`);
  ctx.log.info({ date: input.date, at: isoInstant(at), booths: out.map((c) => c.boothId) }, 'unlock ordered');
  return { date: input.date, commands: out, warnings };
}

export const unlockOp = defineOp({
  name: 'unlock',
  summary:
    "Order every booth of a day to open its roster at a time (default now), bound to its package's newest version.",
  method: 'POST',
  url: '/admin/v1/unlock',
  input: Type.Object(
    {
      date: DateField,
      at: Type.Optional(Type.String({ description: 'HH:MM (local, on the date) or YYYY-MM-DD HH:MM[±HH:MM]' })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object(
    {
      date: Type.String(),
      commands: Type.Array(
        Type.Object({
          boothId: Type.String(),
          packageId: Type.String(),
          version: Type.Integer(),
          deliverFrom: Type.String(),
          packageUnlockAt: Type.String(),
        }),
      ),
      warnings: Type.Array(Type.String()),
    },
    { additionalProperties: false },
  ),
  run: (ctx, input) => unlockDay(ctx, input),
});

export async function revokePackage(ctx: CentralContext, input: { date: string; booth: string; reason: string }) {
  const now = ctx.clock.now();
  const [p] = await newestOfDay(ctx, input.date, input.booth);
  if (!p) throw new BoothError('BOOTH_ERR_NOT_FOUND', `nothing published for ${input.date} at ${input.booth}`);
  const cmd = buildRevokeCommand(
    { packageId: p.package_id, version: p.version, boothId: p.booth_id, issuedAt: now, reason: input.reason },
    ctx.keys.session.privateKeyPem,
  );
  await ctx.db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PLAN_LOCK]);
    await q.query('UPDATE packages SET revoked_at = $2 WHERE package_id = $1 AND revoked_at IS NULL', [
      p.package_id,
      isoInstant(now),
    ]);
    await insertCommand(q, { boothId: p.booth_id, command: cmd, notBefore: now });
  });
  ctx.log.info({ packageId: p.package_id, version: p.version }, 'package revoked');
  return { packageId: p.package_id, version: p.version, boothId: p.booth_id, issuedAt: cmd.issuedAt };
}

export const revokePackageOp = defineOp({
  name: 'package.revoke',
  summary: "Withdraw a booth's package of a day (every version); the booth closes it and records its no-shows.",
  method: 'POST',
  url: '/admin/v1/packages/revoke',
  input: Type.Object(
    {
      date: DateField,
      booth: Type.String({ minLength: 1, maxLength: 64 }),
      reason: Type.String({ minLength: 1, maxLength: 500 }),
    },
    { additionalProperties: false },
  ),
  output: Type.Object(
    { packageId: Type.String(), version: Type.Integer(), boothId: Type.String(), issuedAt: Type.String() },
    { additionalProperties: false },
  ),
  run: (ctx, input) => revokePackage(ctx, input),
});
