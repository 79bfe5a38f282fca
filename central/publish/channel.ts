import { Ajv } from 'ajv';
import type { FastifyReply } from 'fastify';
import { CHANNEL_ROUTES, type ChannelReport, type Manifest } from '../../protocol/channel.js';
import { BoothError } from '../../protocol/errors.js';
import type { CentralContext } from '../context.js';
import type { CentralFeature } from '../features.js';
import { authenticateBooth, boothOf } from '../http/booth-auth.js';
import type { BoothRoutes } from '../http/booth-server.js';
import { isoInstant } from '../plan/local-time.js';
import { dueCommands } from './commands.js';
import { rotationCommands } from './key-rotation.js';
import { jsonParam } from '../db/nul.js';

/**
 * The package channel, central side (protocol/channel.ts): every route behind the booth's
 * certificate (authenticateBooth), every answer about the calling booth only. Another booth's
 * package or document is "not found", never "forbidden": its existence is none of the caller's
 * business. Documents stream from the blob files with Range resume; nothing is read whole.
 */

/** Route params arrive as text: `version` is coerced to the integer the schema says; bodies are not coerced. */
const paramsAjv = new Ajv({ coerceTypes: true, allErrors: true, strict: false });
const bodyAjv = new Ajv({ coerceTypes: false, allErrors: true, strict: false, removeAdditional: false });

export async function manifestFor(ctx: CentralContext, boothId: string): Promise<Manifest> {
  const now = ctx.clock.now();
  const at = new Date(now).toISOString();
  const r = await ctx.db.query<{
    package_id: string;
    version: number;
    sha256: string;
    size: number;
    date: string;
    unlock_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
  }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (package_id) package_id, version, sha256, size, date::text AS date, unlock_at, expires_at, revoked_at
         FROM packages WHERE booth_id = $1 ORDER BY package_id, version DESC) newest
      WHERE revoked_at IS NULL AND expires_at > $2::timestamptz ORDER BY date, package_id LIMIT 100`,
    [boothId, at],
  );
  return {
    boothId,
    serverTime: now,
    packages: r.rows.map((p) => ({
      packageId: p.package_id,
      version: p.version,
      sha256: p.sha256,
      size: p.size,
      date: p.date,
      unlockAt: isoInstant(p.unlock_at.getTime()),
      expiresAt: isoInstant(p.expires_at.getTime()),
    })),
    // Key rotations first: a package or command signed by a new session key follows its announcement.
    commands: [...(await rotationCommands(ctx, ctx.db, boothId)), ...(await dueCommands(ctx.db, boothId, now))],
  };
}

/** `Range: bytes=N-`, `bytes=N-M` or `bytes=-N` of a file of `size` bytes; null = the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start)
    throw new BoothError('BOOTH_ERR_RANGE_NOT_SATISFIABLE', `range ${header ?? ''}: the document has ${size} bytes`, {
      size,
    });
  return { start, end };
}

async function sendDocument(
  ctx: CentralContext,
  boothId: string,
  sha256: string,
  range: string | undefined,
  reply: FastifyReply,
) {
  const r = await ctx.db.query<{ size: number }>(
    `SELECT b.size FROM blobs b WHERE b.id = $2 AND b.complete AND EXISTS (
       SELECT 1 FROM package_documents d JOIN packages p ON p.package_id = d.package_id AND p.version = d.version
        WHERE p.booth_id = $1 AND d.sha256 = $3)`,
    [boothId, `h-${sha256}`, sha256],
  );
  const size = r.rows[0]?.size;
  if (size === undefined) throw new BoothError('BOOTH_ERR_NOT_FOUND', `no document ${sha256} for this booth`);
  let part: { start: number; end: number } | null;
  try {
    part = parseRange(range, size);
  } catch (err) {
    void reply.header('content-range', `bytes */${size}`);
    throw err;
  }
  void reply.header('content-type', 'application/pdf').header('accept-ranges', 'bytes').header('etag', `"${sha256}"`);
  if (!part) return reply.header('content-length', size).send(ctx.blobs.read(`h-${sha256}`));
  return reply
    .code(206)
    .header('content-range', `bytes ${part.start}-${part.end}/${size}`)
    .header('content-length', part.end - part.start + 1)
    .send(ctx.blobs.read(`h-${sha256}`, part.start, part.end));
}

async function storeReport(ctx: CentralContext, boothId: string, report: ChannelReport): Promise<void> {
  if (report.packages.length === 0) return;
  await ctx.db.tx(async (q) => {
    const known = await q.query<{ package_id: string; version: number }>(
      `SELECT package_id, version FROM packages WHERE booth_id = $1 AND (package_id, version) IN (
         SELECT x.package_id, x.version FROM json_to_recordset($2::json) AS x(package_id text, version integer))`,
      [boothId, jsonParam(report.packages.map((p) => ({ package_id: p.packageId, version: p.version })))],
    );
    const unknown = report.packages.filter(
      (p) => !known.rows.some((k) => k.package_id === p.packageId && k.version === p.version),
    );
    if (unknown.length > 0)
      throw new BoothError(
        'BOOTH_ERR_BAD_INPUT',
        `report: no package ${unknown.map((p) => `${p.packageId} v${p.version}`).join(', ')} was published to this booth`,
      );
    await q.query(
      `INSERT INTO booth_package_states (booth_id, package_id, version, state, reason, message, at, reported_at)
       SELECT $1, x.package_id, x.version, x.state, x.reason, x.message, x.at, $3::timestamptz
         FROM json_to_recordset($2::json) AS x(package_id text, version integer, state text, reason text, message text, at timestamptz)
       ON CONFLICT (booth_id, package_id, version, state) DO UPDATE
         SET reason = excluded.reason, message = excluded.message, at = excluded.at, reported_at = excluded.reported_at`,
      [
        boothId,
        jsonParam(
          report.packages.map((p) => ({
            package_id: p.packageId,
            version: p.version,
            state: p.state,
            reason: p.reason ?? null,
            message: p.message ?? null,
            at: new Date(p.at).toISOString(),
          })),
        ),
        new Date(ctx.clock.now()).toISOString(),
      ],
    );
  });
}

export const channelRoutes: BoothRoutes = async (app, { ctx }) => {
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'params' ? paramsAjv : bodyAjv).compile(schema));
  app.addHook('onRequest', authenticateBooth(ctx));
  const R = CHANNEL_ROUTES;

  app.get(R.manifest.url, { schema: { response: R.manifest.response } }, async (req) =>
    manifestFor(ctx, boothOf(req).id),
  );

  app.get<{ Params: { packageId: string; version: number } }>(
    R.package.url,
    { schema: { params: R.package.params } },
    async (req, reply) => {
      const r = await ctx.db.query<{ body: Buffer | Uint8Array }>(
        `SELECT body FROM packages WHERE package_id = $1 AND version = $2 AND booth_id = $3 AND revoked_at IS NULL`,
        [req.params.packageId, req.params.version, boothOf(req).id],
      );
      const row = r.rows[0];
      if (!row)
        throw new BoothError(
          'BOOTH_ERR_NOT_FOUND',
          `no package ${req.params.packageId} v${req.params.version} for this booth`,
        );
      return reply.header('content-type', 'application/json; charset=utf-8').send(Buffer.from(row.body));
    },
  );

  app.get<{ Params: { sha256: string } }>(
    R.document.url,
    { schema: { params: R.document.params } },
    async (req, reply) => sendDocument(ctx, boothOf(req).id, req.params.sha256, req.headers.range, reply),
  );

  app.post<{ Body: ChannelReport }>(
    R.report.url,
    { schema: { body: R.report.body, response: { 200: R.report.response[200] } } },
    async (req) => {
      await storeReport(ctx, boothOf(req).id, req.body);
      return { ok: true };
    },
  );
};

/** The package channel as a feature of `booth-central start`. */
export function channelFeature(): CentralFeature {
  return { name: 'package-channel', boothRoutes: channelRoutes };
}
