import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { canonicalJson } from '../../protocol/session/canonical.js';
import type { CentralContext } from '../context.js';
import { defineOp } from '../ops/op.js';
import { checkAssets, type PlanAssets } from './assets.js';
import { checkTimeZone } from './local-time.js';
import { readPlanSource } from './source.js';
import { storePlan } from './store.js';
import { checkPlan, type CheckedPlan } from './validate.js';

/**
 * `booth-central plan import PATH [--date D] [--check]`: reads a day plan (a CSV folder or a JSON
 * document, docs/central.md "The day plan"), checks all of it, and only then stores it as the
 * date's new revision. Any problem: BOOTH_ERR_PLAN_INVALID listing every one (file, row, field),
 * nothing stored. `check` stops after checking.
 */
export interface ImportInput {
  path: string;
  date?: string | undefined;
  check?: boolean | undefined;
}

/**
 * The plan's content digest: every table with files by their sha256 and PINs left out, so the
 * same plan given as CSV or as JSON (or imported twice) has the same digest.
 */
function planDigest(plan: CheckedPlan, assets: PlanAssets): string {
  const content = {
    date: plan.date,
    rooms: plan.rooms.map((r) => r.v),
    experts: plan.experts.map((e) => ({
      id: e.v.id,
      name: e.v.name,
      idNumber: e.v.id_number,
      photos: (assets.photos.get(e.v.id) ?? []).map((p) => p.sha256),
    })),
    projects: plan.projects.map((p) => ({ ...p.v, booth: p.booth, start: p.startMs })),
    documents: plan.documents.map((d) => {
      const doc = assets.documents.get(`${d.v.project}\u0000${d.v.id}`);
      return { project: d.v.project, id: d.v.id, title: d.v.title, sha256: doc?.sha256, places: doc?.places };
    }),
    assignments: plan.assignments.map((a) => ({
      expert: a.v.expert,
      project: a.v.project,
      seat: a.v.seat,
      signIn: a.signInMs,
    })),
    staff: plan.staff.map((s) => s.v.id),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export async function importPlan(ctx: CentralContext, input: ImportInput) {
  if (!isAbsolute(input.path))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `plan path: expected an absolute path, got "${input.path}"`);
  const timeZone = ctx.config.packages.timeZone;
  try {
    checkTimeZone(timeZone);
  } catch {
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `packages.timeZone: "${timeZone}" is not a time zone this Node.js knows`,
    );
  }
  const source = await readPlanSource(input.path);
  const problems = source.problems;
  const file = source.kind === 'csv' ? 'projects.csv' : (source.path.split('/').pop() ?? 'plan.json');
  const plan = checkPlan(source.raw, { date: input.date, timeZone, file }, problems);
  const assets = plan ? await checkAssets(plan, source.baseDir, problems) : null;
  problems.throwIfAny(input.path);
  if (!plan || !assets) throw new BoothError('BOOTH_ERR_INTERNAL', 'plan: checked without problems but not complete');
  const sha256 = planDigest(plan, assets);
  const booths = [...new Set(plan.projects.map((p) => p.booth))].sort();
  const counts = {
    experts: plan.experts.length,
    projects: plan.projects.length,
    documents: plan.documents.length,
    assignments: plan.assignments.length,
    staff: plan.staff.length,
    rooms: new Set(plan.rooms.map((r) => r.v.room)).size,
    booths: booths.length,
  };
  const warnings = [...problems.warnings];
  const published = await ctx.db.query<{ package_id: string; version: number }>(
    `SELECT package_id, max(version) AS version FROM packages WHERE date = $1 GROUP BY package_id ORDER BY package_id`,
    [plan.date],
  );
  if (published.rowCount > 0 && !input.check)
    warnings.push(
      `${plan.date} was published before (${published.rows.map((r) => `${r.package_id} v${r.version}`).join(', ')}): booths keep that until you publish again`,
    );
  const stored = input.check
    ? null
    : await storePlan(ctx, { plan, assets, baseDir: source.baseDir, source: input.path, sha256, counts, warnings });
  ctx.log.info({ date: plan.date, revision: stored?.revision ?? null, counts, check: !!input.check }, 'plan import');
  return {
    date: plan.date,
    imported: stored !== null,
    revision: stored?.revision ?? null,
    sha256,
    counts,
    booths: booths.map((b) => ({ booth: b, projects: plan.projects.filter((p) => p.booth === b).map((p) => p.v.id) })),
    warnings,
  };
}

export const PlanImportOutput = Type.Object(
  {
    date: Type.String(),
    imported: Type.Boolean({ description: 'false with --check: checked only' }),
    revision: Type.Union([Type.Integer(), Type.Null()]),
    sha256: Type.String({ description: 'digest of the plan content (files by hash, PINs left out)' }),
    counts: Type.Record(Type.String(), Type.Integer()),
    booths: Type.Array(Type.Object({ booth: Type.String(), projects: Type.Array(Type.String()) })),
    warnings: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const planImportOp = defineOp({
  name: 'plan.import',
  summary: 'Check a day plan (CSV folder or JSON document) whole and store it as the date’s new revision.',
  method: 'POST',
  url: '/admin/v1/plan/import',
  input: Type.Object(
    {
      path: Type.String({
        minLength: 1,
        description: 'absolute path of the plan folder or JSON document, on the server',
      }),
      date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
      check: Type.Optional(Type.Boolean({ default: false })),
    },
    { additionalProperties: false },
  ),
  output: PlanImportOutput,
  run: (ctx, input) => importPlan(ctx, input),
});
