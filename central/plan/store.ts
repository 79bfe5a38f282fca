import { createHash } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { hashPin } from '../../protocol/session/hashes.js';
import type { CentralContext } from '../context.js';
import type { Queryable } from '../db/db.js';
import type { PlanAssets } from './assets.js';
import { isoInstant } from './local-time.js';
import { loadPlanFile } from './source.js';
import type { CheckedPlan } from './validate.js';

/**
 * Stores a checked plan: the PDFs into the blob files first (content-addressed: a file of a
 * failed import is only an unreferenced copy), then the whole day in one transaction that
 * replaces the date's previous revision. Experts are the centre's register shared by all days:
 * an import updates the experts it names (name, ID number, photos) and leaves the others.
 * PINs are hashed here (scrypt, protocol/session/hashes.ts) and never stored in clear.
 */

/** One lock for plan import and publish: a publish never reads a half-replaced day. */
export const PLAN_LOCK = 0x6263_706c; // "bcpl"

const json = (rows: unknown[]) => JSON.stringify(rows);

async function storeBlobs(ctx: CentralContext, plan: CheckedPlan, assets: PlanAssets, baseDir: string) {
  const held = new Map<string, number>();
  for (const d of plan.documents) {
    const doc = assets.documents.get(`${d.v.project}\u0000${d.v.id}`);
    if (!doc || held.has(doc.sha256)) continue;
    const loaded = await loadPlanFile(baseDir, 'pdfs', d.v.file);
    if (!loaded.ok || createHash('sha256').update(loaded.bytes).digest('hex') !== doc.sha256)
      throw new BoothError('BOOTH_ERR_CONFLICT', `${d.v.file} changed while the plan was imported; import again`);
    await ctx.blobs.put(loaded.bytes);
    held.set(doc.sha256, doc.size);
  }
  return [...held].map(([sha256, size]) => ({ sha256, size }));
}

async function replaceDay(
  q: Queryable,
  date: string,
  plan: CheckedPlan,
  assets: PlanAssets,
  pins: Map<string, { salt: string; hash: string }>,
) {
  for (const t of ['plan_rooms', 'plan_projects', 'plan_documents', 'plan_assignments', 'plan_staff'])
    await q.query(`DELETE FROM ${t} WHERE date = $1`, [date]);
  await q.query(
    `INSERT INTO plan_rooms (date, room, booth_id)
     SELECT $1::date, x.room, x.booth FROM json_to_recordset($2::json) AS x(room text, booth text)`,
    [date, json(plan.rooms.map((r) => r.v))],
  );
  await q.query(
    `INSERT INTO plan_projects (date, id, name, section, room, booth_id, booth_explicit, scheduled_start)
     SELECT $1::date, x.id, x.name, x.section, x.room, x.booth, x.explicit, x.start
       FROM json_to_recordset($2::json) AS x(id text, name text, section text, room text, booth text, explicit boolean, start timestamptz)`,
    [
      date,
      json(
        plan.projects.map((p) => ({
          id: p.v.id,
          name: p.v.name,
          section: p.v.section,
          room: p.v.room,
          booth: p.booth,
          explicit: p.boothExplicit,
          start: isoInstant(p.startMs),
        })),
      ),
    ],
  );
  await q.query(
    `INSERT INTO plan_documents (date, project_id, id, title, sha256, size, places, places_source)
     SELECT $1::date, x.project, x.id, x.title, x.sha256, x.size, x.places, x.source
       FROM json_to_recordset($2::json) AS x(project text, id text, title text, sha256 text, size bigint, places jsonb, source text)`,
    [
      date,
      json(
        plan.documents.flatMap((d) => {
          const doc = assets.documents.get(`${d.v.project}\u0000${d.v.id}`);
          return doc
            ? [
                {
                  project: d.v.project,
                  id: d.v.id,
                  title: d.v.title,
                  sha256: doc.sha256,
                  size: doc.size,
                  places: doc.places,
                  source: doc.placesSource,
                },
              ]
            : [];
        }),
      ),
    ],
  );
  await q.query(
    `INSERT INTO plan_assignments (date, project_id, expert_id, seat, scheduled_sign_in)
     SELECT $1::date, x.project, x.expert, x.seat, x.sign_in
       FROM json_to_recordset($2::json) AS x(project text, expert text, seat integer, sign_in timestamptz)`,
    [date, json(plan.assignments.map((a) => ({ ...a.v, sign_in: isoInstant(a.signInMs) })))],
  );
  await q.query(
    `INSERT INTO plan_staff (date, id, pin_salt, pin_hash)
     SELECT $1::date, x.id, x.salt, x.hash FROM json_to_recordset($2::json) AS x(id text, salt text, hash text)`,
    [date, json(plan.staff.map((s) => ({ id: s.v.id, ...pins.get(s.v.id) })))],
  );
}

async function upsertExperts(q: Queryable, plan: CheckedPlan, assets: PlanAssets, at: string) {
  await q.query(
    `INSERT INTO experts (id, name, id_number, updated_at)
     SELECT x.id, x.name, x.id_number, $2::timestamptz FROM json_to_recordset($1::json) AS x(id text, name text, id_number text)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, id_number = excluded.id_number, updated_at = excluded.updated_at`,
    [json(plan.experts.map((e) => ({ id: e.v.id, name: e.v.name, id_number: e.v.id_number }))), at],
  );
  await q.query(`DELETE FROM expert_photos WHERE expert_id IN (SELECT value FROM json_array_elements_text($1::json))`, [
    json(plan.experts.map((e) => e.v.id)),
  ]);
  await q.query(
    `INSERT INTO expert_photos (expert_id, sha256, jpeg)
     SELECT x.expert, x.sha256, decode(x.jpeg, 'base64') FROM json_to_recordset($1::json) AS x(expert text, sha256 text, jpeg text)`,
    [
      json(
        plan.experts.flatMap((e) =>
          (assets.photos.get(e.v.id) ?? []).map((p) => ({
            expert: e.v.id,
            sha256: p.sha256,
            jpeg: p.jpeg.toString('base64'),
          })),
        ),
      ),
    ],
  );
}

export interface StoredPlan {
  revision: number;
  importedAt: string;
}

export async function storePlan(
  ctx: CentralContext,
  o: {
    plan: CheckedPlan;
    assets: PlanAssets;
    baseDir: string;
    source: string;
    sha256: string;
    counts: Record<string, number>;
    warnings: string[];
  },
): Promise<StoredPlan> {
  const { plan, assets } = o;
  const blobs = await storeBlobs(ctx, plan, assets, o.baseDir);
  const pins = new Map(plan.staff.map((s) => [s.v.id, hashPin(s.v.pin)]));
  const importedAt = isoInstant(ctx.clock.now());
  return ctx.db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [PLAN_LOCK]);
    const prev = await q.query<{ revision: number }>('SELECT revision FROM plans WHERE date = $1', [plan.date]);
    const revision = (prev.rows[0]?.revision ?? 0) + 1;
    await q.query(
      `INSERT INTO blobs (id, sha256, size, received, complete, kind, completed_at)
       SELECT 'h-' || x.sha256, x.sha256, x.size, x.size, true, 'published', now()
         FROM json_to_recordset($1::json) AS x(sha256 text, size bigint)
       ON CONFLICT (id) DO NOTHING`,
      [json(blobs)],
    );
    await upsertExperts(q, plan, assets, importedAt);
    await replaceDay(q, plan.date, plan, assets, pins);
    await q.query(
      `INSERT INTO plans (date, revision, imported_at, source, sha256, counts, warnings)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
       ON CONFLICT (date) DO UPDATE SET revision = excluded.revision, imported_at = excluded.imported_at,
         source = excluded.source, sha256 = excluded.sha256, counts = excluded.counts, warnings = excluded.warnings`,
      [plan.date, revision, importedAt, o.source, o.sha256, JSON.stringify(o.counts), JSON.stringify(o.warnings)],
    );
    return { revision, importedAt };
  });
}
