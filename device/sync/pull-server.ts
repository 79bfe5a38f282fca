import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import { errorHandler } from '../../protocol/http-errors.js';
import { installStrictJson, refuseBody, strictValidatorCompiler } from '../../protocol/http-hardening.js';
import { syncOpenApi } from '../../protocol/sync/openapi.js';
import type { PullActions } from './pull-actions.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import type { AckRequest } from '../../protocol/sync/schemas.js';
import { checkPeer, type SyncTls } from './tls.js';
import { TLS_SERVER_POLICY } from '../../protocol/tls-policy.js';

export interface PullServerOptions {
  tls: SyncTls;
  actions: PullActions;
  /** Common names of client certificates allowed (issued by the pinned CA). */
  allowedClientNames: readonly string[];
  logger?: Logger;
}

/**
 * The pull API on its own HTTPS listener. The TLS layer asks for a client certificate and
 * checks it against the pinned central CA only, without failing the handshake, so that the
 * answer is a clear 401 (no certificate) or 403 (another CA, or a name not allowed) and
 * nothing else: no route runs, nothing is read or changed.
 */
export async function buildPullServer(o: PullServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    https: {
      key: o.tls.key,
      cert: o.tls.cert,
      ca: [o.tls.ca],
      requestCert: true,
      rejectUnauthorized: false,
      ...TLS_SERVER_POLICY,
    },
    ...(o.logger ? { loggerInstance: o.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: 4 * 1024 * 1024,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  // Bodies without coercion and unknown fields refused (400), not silently stripped (fastify's
  // defaults); JSON nested too deep refused unparsed (protocol/http-hardening.ts).
  app.setValidatorCompiler(strictValidatorCompiler);
  app.setErrorHandler(errorHandler);
  installStrictJson(app);
  app.addHook('onRequest', async (req) => {
    const peer = checkPeer(req.raw.socket as TLSSocket, o.allowedClientNames);
    if (!peer.ok)
      throw new BoothError(peer.status === 401 ? 'BOOTH_ERR_UNAUTHORIZED' : 'BOOTH_ERR_FORBIDDEN', peer.reason);
    // The central server is no browser: a request with an Origin came from a web page.
    if (req.headers.origin !== undefined)
      throw new BoothError('BOOTH_ERR_ORIGIN_REFUSED', 'the sync API is not for web pages');
    if (req.method === 'GET' || req.method === 'HEAD') await refuseBody(req);
  });
  const { batches, ack, openapi, blob } = SYNC_ROUTES;
  app.get<{ Querystring: { after: number; limit: number } }>(
    batches.url,
    { schema: { querystring: batches.querystring, response: batches.response } },
    async (req) => o.actions.batches(req.query.after, req.query.limit),
  );
  app.post<{ Body: AckRequest }>(ack.url, { schema: { body: ack.body, response: ack.response } }, async (req) =>
    o.actions.ack(req.body),
  );
  app.get<{ Params: { id: string } }>(blob.url, { schema: { params: blob.params } }, async (req, reply) => {
    try {
      const r = await o.actions.blob(req.params.id, req.headers.range);
      return await reply.code(r.status).headers(r.headers).send(r.stream);
    } catch (err) {
      if (isBoothError(err, 'BOOTH_ERR_RANGE_NOT_SATISFIABLE'))
        void reply.header('content-range', `bytes */${String(err.details.size)}`);
      throw err;
    }
  });
  const doc = syncOpenApi();
  app.get(openapi.url, async () => doc);
  return app;
}
