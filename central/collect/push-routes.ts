import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import { boothIdOf } from '../../protocol/crypto/booth-id.js';
import type { CentralContext } from '../context.js';
import { recordProblem } from './problems.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import type { PushResponse, SignedBatch } from '../../protocol/sync/schemas.js';
import type { BoothRoutes } from '../http/booth-server.js';
import { authenticateBooth, boothOf } from '../http/booth-auth.js';
import { appendBlob, blobStatus } from './blob-ledger.js';
import { ingestBatch } from './ingest.js';
import { compileValidator } from '../../protocol/validate.js';

const uploadQuery = compileValidator(SYNC_ROUTES.blobUpload.querystring);

/** The booth listener does not coerce types (unknown and mistyped fields are refused): query numbers are parsed here. */
function parseUploadQuery(raw: Record<string, unknown>): { offset: number; size: number } {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) o[k] = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  return uploadQuery.parse(o, 'blob upload query');
}

/**
 * The booth-facing push API (docs/sync-api.md): POST /sync/v1/push (a signed batch, answered
 * per record), GET /sync/v1/blob-status/:id and PUT /sync/v1/blobs/:id (a sealed revision in
 * resumable pieces, before the batch whose sign record names it). Every route needs an enrolled,
 * active booth's certificate (authenticateBooth); the routes only validate and call actions.
 */
/**
 * A refused booth certificate that names a booth the centre knows (revoked, or a certificate
 * replaced or revoked) is worth an operator's look: recorded once while open.
 */
async function noteRefused(ctx: CentralContext, req: FastifyRequest): Promise<void> {
  const cert = (req.raw.socket as TLSSocket).getPeerX509Certificate?.();
  const id = cert ? boothIdOf(cert) : null;
  if (!cert || !id) return;
  const known = await ctx.db.query<{ status: string }>('SELECT status FROM booths WHERE id = $1', [id]);
  const status = known.rows[0]?.status;
  if (!status) return;
  await recordProblem(ctx.db, {
    boothId: id,
    seq: null,
    kind: status === 'revoked' ? 'revoked-booth' : 'unknown-certificate',
    detail: `${req.method} ${req.url.split('?')[0] ?? ''} refused: ${status === 'revoked' ? 'the booth is revoked' : `certificate ${cert.serialNumber} is not its enrolled one, or revoked`} (from ${req.raw.socket.remoteAddress ?? '?'})`,
  });
}

export const pushRoutes: BoothRoutes = async (app, { ctx }) => {
  const { push, blobStatus: status, blobUpload } = SYNC_ROUTES;
  const pieceLimit = ctx.config.server.bodyLimitBytes;
  const auth = authenticateBooth(ctx);
  app.addHook('onRequest', async (req) => {
    try {
      await auth(req);
    } catch (err) {
      if (isBoothError(err, 'BOOTH_ERR_FORBIDDEN')) await noteRefused(ctx, req);
      throw err;
    }
  });
  // Pieces of a blob are bytes, read whole (bounded by the listener's body limit).
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: pieceLimit },
    (_req, body, done) => done(null, body),
  );

  app.post<{ Body: SignedBatch }>(
    push.url,
    { schema: { body: push.body, response: push.response } },
    async (req): Promise<PushResponse> => {
      const booth = boothOf(req);
      const r = await ingestBatch(ctx, { boothId: booth.id, certSerial: booth.serial, signed: req.body, via: 'push' });
      return { acks: r.acks, centralLastSeq: r.centralLastSeq };
    },
  );

  app.get<{ Params: { id: string } }>(
    status.url,
    { schema: { params: status.params, response: status.response } },
    async (req) => blobStatus(ctx, req.params.id),
  );

  app.put<{ Params: { id: string }; Querystring: Record<string, unknown>; Body: Buffer }>(
    blobUpload.url,
    {
      schema: { params: blobUpload.params, response: blobUpload.response },
      // Refused before the body is read: the piece would exceed what one request may carry.
      onRequest: async (req) => {
        const length = Number(req.headers['content-length'] ?? 0);
        if (length > pieceLimit)
          throw new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', `a blob piece may carry at most ${pieceLimit} bytes`, {
            maxBytes: pieceLimit,
          });
      },
    },
    async (req) => {
      if (!Buffer.isBuffer(req.body))
        throw new BoothError('BOOTH_ERR_BAD_INPUT', 'a blob piece is application/octet-stream bytes');
      const q = parseUploadQuery(req.query);
      return appendBlob(ctx, req.params.id, q.offset, q.size, req.body);
    },
  );
};
