import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { errorHandler } from '../../protocol/http-errors.js';
import { healthRoutes, type ReadinessSource } from './health.js';

export interface AppDeps {
  logger: Logger;
  readiness: ReadinessSource;
  /** Folder of the kiosk page (device/ui). */
  uiDir: string;
  /** Feature routes registered by later features (kiosk API, admin). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/**
 * The kiosk-facing HTTP app. Thin: routes validate with schemas and call features.
 * Listens on loopback only (config http.host); the sync API has its own mTLS listener.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // No per-request log lines (the kiosk polls); fastify 5.10+ takes this through a LogController.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // On close: idle keep-alive sockets are closed, requests in flight finish (long-lived streams
    // such as the kiosk's server-sent events end themselves in an onClose hook).
    forceCloseConnections: 'idle',
  });
  app.setErrorHandler(errorHandler);
  await app.register(healthRoutes, { source: deps.readiness });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(fastifyStatic, { root: deps.uiDir, prefix: '/', index: ['index.html'] });
  return app;
}
