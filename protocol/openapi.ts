import type { TSchema } from '@sinclair/typebox';
import type { RouteSpec } from './routes.js';

/**
 * OpenAPI 3.1 from route tables (TypeBox schemas are JSON Schema, which OpenAPI 3.1 uses as is).
 * The booth serves and documents its sync API with it; the central server its whole API.
 */
function plain(schema: TSchema): unknown {
  // TypeBox marks schemas with symbol keys; JSON round-trip keeps only the JSON Schema.
  return JSON.parse(JSON.stringify(schema)) as unknown;
}

function parameters(schema: TSchema | undefined, where: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const q = plain(schema) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(q.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (q.required?.includes(name) ?? false),
    schema: s,
  }));
}

const TAGS: Record<RouteSpec['side'], string> = {
  booth: 'booth pull API',
  central: 'central booth-facing API',
  admin: 'central admin API (loopback)',
};

const STATUS: Record<number, string> = {
  200: 'OK',
  204: 'done, nothing to say',
  206: 'part of the content (Range)',
  400: 'bad input (nothing changed)',
  401: 'no client certificate (or admin token)',
  403: 'client certificate not issued by the pinned CA, revoked, or not allowed here',
  404: 'not found',
  409: 'refused: conflicts with what is held (nothing changed)',
  410: 'gone (expired)',
  413: 'body too large',
  416: 'range not satisfiable',
};

/** Mutual TLS is the default; the admin API takes a bearer token; enrollment nothing (the token is in the body). */
function security(r: RouteSpec): Record<string, unknown> {
  if (r.anonymous) return { security: [] };
  if (r.side === 'admin') return { security: [{ adminToken: [] }] };
  return {};
}

function operation(r: RouteSpec): Record<string, unknown> {
  const params = [...parameters(r.params, 'path'), ...parameters(r.querystring, 'query')];
  return {
    summary: r.summary,
    tags: [TAGS[r.side]],
    ...security(r),
    ...(params.length ? { parameters: params } : {}),
    ...(r.body
      ? { requestBody: { required: true, content: { [r.bodyType ?? 'application/json']: { schema: plain(r.body) } } } }
      : {}),
    responses: Object.fromEntries(
      Object.entries(r.response).map(([status, schema]) => [
        status,
        {
          description: STATUS[Number(status)] ?? status,
          content: {
            [Number(status) < 300 && r.responseType ? r.responseType : 'application/json']: { schema: plain(schema) },
          },
        },
      ]),
    ),
  };
}

/** `/x/:id` -> `/x/{id}` */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function openApiDocument(o: {
  title: string;
  version: string;
  description: string;
  routes: readonly RouteSpec[];
}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of o.routes) {
    const p = openApiPath(r.url);
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: operation(r) };
  }
  return {
    openapi: '3.1.0',
    info: { title: o.title, version: o.version, description: o.description },
    security: [{ mutualTLS: [] }],
    components: {
      securitySchemes: {
        mutualTLS: { type: 'mutualTLS' },
        ...(o.routes.some((r) => r.side === 'admin')
          ? {
              adminToken: {
                type: 'http',
                scheme: 'bearer',
                description: 'the token in <dataDir>/keys/admin.token (loopback only)',
              },
            }
          : {}),
      },
    },
    paths,
  };
}
