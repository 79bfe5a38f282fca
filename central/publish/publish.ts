import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { buildPackage } from '../../protocol/session/build.js';
import { buildUnlockCommand } from '../../protocol/session/commands.js';
import type { CentralContext } from '../context.js';
import type { Queryable } from '../db/db.js';
import { defineOp } from '../ops/op.js';
import { isoInstant } from '../plan/local-time.js';
import { PLAN_LOCK } from '../plan/store.js';
import { insertCommand } from './commands.js';
import { packageInput } from './package-input.js';
import { publishTargets } from './targets.js';

/**
 * `booth-central publish --date D`: one package per booth with projects that day
 * (`<date>.<boothId>`), the next version of it (versions are never reused: every one is kept),
 * its roster sealed to the booth's enrolled key and signed with the session key, then queued:
 * the booth's next manifest names it. All booths or none, in one transaction under the plan
 * lock (an import of the same day waits). An unlock already ordered for an earlier version is
 * ordered again for the new one: re-publishing a correction does not lock an opened roster.
 */
const Date_ = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the plan date (local)' });

export const PublishedPackage = Type.Object(
  {
    packageId: Type.String(),
    version: Type.Integer(),
    boothId: Type.String(),
    projects: Type.Array(Type.String()),
    experts: Type.Integer(),
    documents: Type.Integer(),
    unlockAt: Type.String(),
    expiresAt: Type.String(),
    sha256: Type.String(),
    size: Type.Integer(),
    unlockCarried: Type.Boolean({ description: 'an unlock of an earlier version was ordered again for this one' }),
  },
  { additionalProperties: false },
);

async function carryUnlock(
  ctx: CentralContext,
  q: Queryable,
  p: { packageId: string; version: number; boothId: string },
): Promise<boolean> {
  const prev = await q.query<{ not_before: Date }>(
    `SELECT not_before FROM commands WHERE type = 'unlock' AND package_id = $1 AND version < $2 ORDER BY id DESC LIMIT 1`,
    [p.packageId, p.version],
  );
  const row = prev.rows[0];
  if (!row) return false;
  const at = Math.max(row.not_before.getTime(), ctx.clock.now());
  const cmd = buildUnlockCommand({ ...p, issuedAt: at }, ctx.keys.session.privateKeyPem);
  await insertCommand(q, { boothId: p.boothId, command: cmd, notBefore: at });
  return true;
}

export async function publishDay(ctx: CentralContext, input: { date: string }) {
  const { date } = input;
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PLAN_LOCK]);
    const plan = await q.query<{ revision: number }>('SELECT revision FROM plans WHERE date = $1', [date]);
    const revision = plan.rows[0]?.revision;
    if (revision === undefined)
      throw new BoothError('BOOTH_ERR_NOT_FOUND', `no plan for ${date}: import one first (booth-central plan import)`);
    const targets = await publishTargets(q, date, now, ctx.config.centre.name);
    if (targets.length === 0) throw new BoothError('BOOTH_ERR_PUBLISH_REFUSED', `the plan for ${date} has no projects`);
    const published: (typeof PublishedPackage.static)[] = [];
    for (const booth of targets) {
      const packageId = `${date}.${booth.boothId}`;
      const prev = await q.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM packages WHERE package_id = $1',
        [packageId],
      );
      const version = (prev.rows[0]?.version ?? 0) + 1;
      const input = await packageInput(q, { date, version, booth, config: ctx.config });
      if (input.expiresMs <= now)
        throw new BoothError(
          'BOOTH_ERR_PUBLISH_REFUSED',
          `publish ${date}: the package of ${booth.boothId} would expire at ${input.expiresAt}, which has passed`,
        );
      const pkg = buildPackage(input, ctx.keys.session.privateKeyPem);
      const body = Buffer.from(JSON.stringify(pkg), 'utf8');
      const sha256 = createHash('sha256').update(body).digest('hex');
      await q.query(
        `INSERT INTO packages (package_id, version, booth_id, date, sha256, size, body, unlock_at, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          packageId,
          version,
          booth.boothId,
          date,
          sha256,
          body.length,
          body,
          input.unlockAt,
          input.expiresAt,
          isoInstant(now),
        ],
      );
      const docs = pkg.projects.flatMap((p) => p.documents.map((d) => ({ project: p.id, id: d.id, sha256: d.sha256 })));
      await q.query(
        `INSERT INTO package_documents (package_id, version, project_id, document_id, sha256)
         SELECT $1, $2, x.project, x.id, x.sha256 FROM json_to_recordset($3::json) AS x(project text, id text, sha256 text)`,
        [packageId, version, JSON.stringify(docs)],
      );
      const unlockCarried = await carryUnlock(ctx, q, { packageId, version, boothId: booth.boothId });
      published.push({
        packageId,
        version,
        boothId: booth.boothId,
        projects: pkg.projects.map((p) => p.id),
        experts: pkg.roster.entries.length,
        documents: docs.length,
        unlockAt: pkg.unlockAt,
        expiresAt: pkg.expiresAt,
        sha256,
        size: body.length,
        unlockCarried,
      });
    }
    ctx.log.info(
      { date, planRevision: revision, packages: published.map((p) => `${p.packageId} v${p.version}`) },
      'published',
    );
    return { date, planRevision: revision, packages: published };
  });
}

export const publishOp = defineOp({
  name: 'publish',
  summary: "Build, seal, sign and queue each booth's package of a day.",
  method: 'POST',
  url: '/admin/v1/publish',
  input: Type.Object({ date: Date_ }, { additionalProperties: false }),
  output: Type.Object(
    { date: Type.String(), planRevision: Type.Integer(), packages: Type.Array(PublishedPackage) },
    { additionalProperties: false },
  ),
  run: (ctx, input) => publishDay(ctx, input),
});
