import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { errorHandler } from '../../protocol/http-errors.js';
import {
  hostGuard,
  installSecurityHeaders,
  installStrictJson,
  refuseBody,
  strictValidatorCompiler,
} from '../../protocol/http-hardening.js';
import { healthRoutes, type ReadinessSource } from './health.js';

export interface AppDeps {
  logger: Logger;
  readiness: ReadinessSource;
  /** Folder of the kiosk page (device/ui). */
  uiDir: string;
  /** Host names answered besides loopback names (config http.allowedHosts). */
  allowedHosts?: readonly string[];
  /** Feature routes registered by later features (kiosk API, admin). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** Every kiosk body is a few fields; the package upload streams its own body under its own limit. */
export const KIOSK_BODY_LIMIT = 64 * 1024;

/**
 * The kiosk-facing HTTP app. Thin: routes validate with schemas and call features.
 * Listens on loopback (config http.host; http.allowNonLoopback to widen); the sync API has its
 * own mTLS listener. Hardened as protocol/http-hardening.ts says: strict bodies, Host and
 * Origin checked, the page never framed.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // No per-request log lines (the kiosk polls); fastify 5.10+ takes this through a LogController.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: KIOSK_BODY_LIMIT,
    // On close: idle keep-alive sockets are closed, requests in flight finish (long-lived streams
    // such as the kiosk's server-sent events end themselves in an onClose hook).
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(strictValidatorCompiler);
  app.setErrorHandler(errorHandler);
  installStrictJson(app);
  installSecurityHeaders(app);
  app.addHook('onRequest', hostGuard(deps.allowedHosts ?? []));
  app.addHook('onRequest', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD') await refuseBody(req);
  });
  await app.register(healthRoutes, { source: deps.readiness });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(fastifyStatic, { root: deps.uiDir, prefix: '/', index: ['index.html'] });
  return app;
}
