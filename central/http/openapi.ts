import { CHANNEL_ROUTES } from '../../protocol/channel.js';
import { ENROLL_ROUTES } from '../../protocol/enroll.js';
import { openApiDocument } from '../../protocol/openapi.js';
import type { RouteSpec } from '../../protocol/routes.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import { ErrorSchema } from '../../protocol/sync/schemas.js';
import type { Op } from '../ops/op.js';
import { OPS } from '../ops/index.js';

/**
 * OpenAPI 3.1 of every central endpoint, from the same tables the servers register: the
 * booth-facing listener (enrollment, push and blobs, the package channel; mutual TLS) and the
 * loopback admin API (every operation of ops/index.ts; bearer token). Written to
 * docs/openapi-central.json by `npm run docs:central-api`; a test keeps the file equal to this.
 */
export const CENTRAL_API_VERSION = '1.0.0';

/** An operator action as a route of the admin API (GET: input as the query string; POST: JSON body). */
export function opRoute(op: Op): RouteSpec {
  return {
    method: op.method,
    url: op.url,
    side: 'admin',
    summary: op.summary,
    ...(op.method === 'GET' ? { querystring: op.input } : { body: op.input }),
    response: { 200: op.output, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
  };
}

export function centralRoutes(ops: readonly Op[] = OPS): RouteSpec[] {
  return [
    ...Object.values(ENROLL_ROUTES),
    ...Object.values(SYNC_ROUTES).filter((r) => r.side === 'central'),
    ...Object.values(CHANNEL_ROUTES),
    ...ops.map(opRoute),
  ] as RouteSpec[];
}

export function centralOpenApi(ops: readonly Op[] = OPS): Record<string, unknown> {
  return openApiDocument({
    title: 'Booth central server API',
    version: CENTRAL_API_VERSION,
    description:
      'The central server of the signing booths. Booth-facing listener (config server.port, mutual TLS with certificates from the centre CA; enrollment without one): enrollment, push of signed batches and sealed-PDF blobs, the package channel. Admin API (loopback only, bearer token from <dataDir>/keys/admin.token): every operator action of `booth-central`. See docs/central.md.',
    routes: centralRoutes(ops),
  });
}
