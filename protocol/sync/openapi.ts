import { openApiDocument } from '../openapi.js';
import type { RouteSpec } from '../routes.js';
import { SYNC_ROUTES } from './routes.js';

/** The API's own version (the /v1/ in its paths), not the booth's release. */
export const SYNC_API_VERSION = '1.1.0';

/** OpenAPI of the sync API (both sides). Served by the booth and written to docs/openapi-sync.json. */
export function syncOpenApi(): Record<string, unknown> {
  return openApiDocument({
    title: 'Booth sync API',
    version: SYNC_API_VERSION,
    description:
      'Pull API of a signing booth (its own listener, mutual TLS, client certificates issued by the pinned central CA) and the push endpoints of the central server. See docs/sync-api.md.',
    routes: Object.values(SYNC_ROUTES) as RouteSpec[],
  });
}
