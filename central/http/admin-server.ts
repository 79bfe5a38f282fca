import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { errorHandler } from '../../protocol/http-errors.js';
import type { CentralContext } from '../context.js';
import type { Op } from '../ops/op.js';

/**
 * The admin API: every operator action (ops/index.ts) on loopback only, behind the bearer token
 * in <dataDir>/keys/admin.token (0600: only the centre's operators can read it). It is how
 * `booth-central` commands act while the service owns the embedded database.
 */
export async function buildAdminServer(ctx: CentralContext, ops: readonly Op[]): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ api: 'admin' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req) => {
    throw new BoothError('BOOTH_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
  const want = Buffer.from(`Bearer ${ctx.keys.adminToken}`);
  app.addHook('onRequest', async (req) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== want.length || !timingSafeEqual(got, want))
      throw new BoothError('BOOTH_ERR_UNAUTHORIZED', 'the admin API needs the token in <dataDir>/keys/admin.token');
  });
  for (const op of ops) {
    const schema = {
      ...(op.method === 'GET' ? { querystring: op.input } : { body: op.input }),
      response: { 200: op.output },
    };
    app.route({
      method: op.method,
      url: op.url,
      schema,
      handler: async (req) => op.run(ctx, (op.method === 'GET' ? req.query : req.body) as never),
    });
  }
  return app;
}
