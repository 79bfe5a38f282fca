import type { TSchema } from '@sinclair/typebox';

/**
 * An HTTP route as data: who serves it, what it takes and what it answers. Servers register
 * their routes from these tables (fastify validates and serialises with the same schemas) and
 * the OpenAPI documents are generated from them (openapi.ts), so the two cannot drift.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  url: string;
  /** Who serves it: the booth's pull API, the central server's booth-facing API, or its admin API. */
  side: 'booth' | 'central' | 'admin';
  summary: string;
  /** Served without a client certificate (or admin token): the body carries the credential (enrollment). */
  anonymous?: boolean;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** Media type of a body that is not JSON (a PDF, a blob chunk). */
  bodyType?: string;
  response: Record<number, TSchema>;
  /** Media type of a 200 answer that is not JSON. */
  responseType?: string;
}
