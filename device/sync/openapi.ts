import type { TSchema } from '@sinclair/typebox';
import { SYNC_ROUTES, type RouteSpec } from './routes.js';

/**
 * OpenAPI 3.1 for the sync API, generated from the route table (TypeBox schemas are JSON
 * Schema, which OpenAPI 3.1 uses as is). Served by the booth and written to docs/.
 */
function plain(schema: TSchema): unknown {
  // TypeBox marks schemas with symbol keys; JSON round-trip keeps only the JSON Schema.
  return JSON.parse(JSON.stringify(schema)) as unknown;
}

function parameters(query: TSchema | undefined): unknown[] {
  if (!query) return [];
  const q = plain(query) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(q.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: q.required?.includes(name) ?? false,
    schema,
  }));
}

function operation(r: RouteSpec): Record<string, unknown> {
  return {
    summary: r.summary,
    tags: [r.side === 'booth' ? 'booth pull API' : 'central push API'],
    ...(r.querystring ? { parameters: parameters(r.querystring) } : {}),
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } } : {}),
    responses: Object.fromEntries(
      Object.entries(r.response).map(([status, schema]) => [
        status,
        { description: describeStatus(Number(status)), content: { 'application/json': { schema: plain(schema) } } },
      ]),
    ),
  };
}

function describeStatus(status: number): string {
  const map: Record<number, string> = {
    200: 'OK',
    400: 'bad input (nothing changed)',
    401: 'no client certificate',
    403: 'client certificate not issued by the pinned central CA, or not allowed',
    409: 'ack refused: unknown, mismatched or replayed batch',
  };
  return map[status] ?? String(status);
}

/** The API's own version (the /v1/ in its paths), not the booth's release. */
export const SYNC_API_VERSION = '1.0.0';

export function syncOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of Object.values(SYNC_ROUTES) as RouteSpec[]) {
    paths[r.url] = { ...(paths[r.url] ?? {}), [r.method.toLowerCase()]: operation(r) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Booth sync API',
      version: SYNC_API_VERSION,
      description:
        'Pull API of a signing booth (its own listener, mutual TLS, client certificates issued by the pinned central CA) and the push endpoint of the central server. See docs/sync-api.md.',
    },
    security: [{ mutualTLS: [] }],
    components: { securitySchemes: { mutualTLS: { type: 'mutualTLS' } } },
    paths,
  };
}
