import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyBaseLogger } from 'fastify';
import type { SecureContextOptions } from 'node:tls';
import { BoothError } from '../../protocol/errors.js';
import { errorHandler } from '../../protocol/http-errors.js';
import { TLS_SERVER_POLICY } from '../../protocol/tls-policy.js';
import type { CentralContext } from '../context.js';
import { installTlsRevocation, type TlsRevocation } from './tls-revocation.js';

/**
 * The booth-facing HTTPS listener: enrollment (no client certificate yet: the token is the
 * credential), push and blobs, the package channel. TLS asks every client for a certificate
 * issued by the centre's CA but does not fail the handshake without one, so a booth that has
 * none gets a clear 401 and enrollment works on the same port; routes that need a booth add
 * authenticateBooth (booth-auth.ts). A revoked certificate is refused during the handshake
 * (tls-revocation.ts). Features register their routes as plugins.
 */
export type BoothRoutes = FastifyPluginAsync<{ ctx: CentralContext }>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The TLS revocation guard of the booth-facing listener. */
    revocation: TlsRevocation | null;
  }
}

/** The listener's secure context (also what tls-revocation.ts swaps in with a new CRL). */
export function boothTlsOptions(ctx: CentralContext): SecureContextOptions {
  return {
    key: ctx.keys.server.keyPem,
    cert: ctx.keys.server.certPem,
    ca: [ctx.keys.ca.certPem],
    // TLS 1.2 with AEAD suites only, or 1.3 (protocol/tls-policy.ts).
    ...TLS_SERVER_POLICY,
  };
}

export async function buildBoothServer(ctx: CentralContext, plugins: readonly BoothRoutes[]): Promise<FastifyInstance> {
  const app = Fastify({
    https: { ...boothTlsOptions(ctx), requestCert: true, rejectUnauthorized: false },
    loggerInstance: ctx.log.child({ api: 'booth' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.server.bodyLimitBytes,
    // Unknown fields are refused (400), not silently stripped (fastify's default).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  app.decorateRequest('booth', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req) => {
    throw new BoothError('BOOTH_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
  });
  try {
    app.decorate('revocation', await installTlsRevocation(app, ctx, () => boothTlsOptions(ctx)));
    for (const plugin of plugins) await app.register(plugin, { ctx });
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
