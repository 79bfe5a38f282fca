import { Type, type TSchema } from '@sinclair/typebox';
import {
  AckRequestSchema,
  AckResponseSchema,
  BatchesQuerySchema,
  ErrorSchema,
  PushResponseSchema,
  SignedBatchSchema,
} from './schemas.js';

/**
 * The sync API's routes as data: the pull server registers the booth's routes from this table,
 * and docs/openapi-sync.json is generated from it (openapi.ts), so the two cannot drift.
 * The push route is served by the central server; it is documented here for the same reason.
 */
export interface RouteSpec {
  method: 'GET' | 'POST';
  url: string;
  side: 'booth' | 'central';
  summary: string;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<number, TSchema>;
}

const authErrors = { 401: ErrorSchema, 403: ErrorSchema };

export const SYNC_ROUTES = {
  batches: {
    method: 'GET',
    url: '/sync/v1/batches',
    side: 'booth',
    summary:
      'Records after a sequence number, as one batch signed by the booth. Asking from below what was acknowledged (central restored from a backup) serves again from there.',
    querystring: BatchesQuerySchema,
    response: { 200: SignedBatchSchema, 400: ErrorSchema, ...authErrors },
  },
  ack: {
    method: 'POST',
    url: '/sync/v1/ack',
    side: 'booth',
    summary:
      'Acknowledges a served batch up to a sequence number (records it rejected go to the dead letters). Each batch can be acknowledged once; replays get 409.',
    body: AckRequestSchema,
    response: { 200: AckResponseSchema, 400: ErrorSchema, 409: ErrorSchema, ...authErrors },
  },
  openapi: {
    method: 'GET',
    url: '/sync/v1/openapi.json',
    side: 'booth',
    summary: 'This document.',
    response: { 200: Type.Object({ openapi: Type.String() }, { additionalProperties: true }), ...authErrors },
  },
  push: {
    method: 'POST',
    url: '/sync/v1/push',
    side: 'central',
    summary:
      'Served by the central server: the booth pushes a signed batch; the answer acknowledges each record (stored, duplicate, rejected) and says how far the central server holds this booth.',
    body: SignedBatchSchema,
    response: { 200: PushResponseSchema, 400: ErrorSchema, ...authErrors },
  },
} as const satisfies Record<string, RouteSpec>;
