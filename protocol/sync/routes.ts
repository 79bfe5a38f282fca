import { Type } from '@sinclair/typebox';
import type { RouteSpec } from '../routes.js';
import {
  AckRequestSchema,
  AckResponseSchema,
  BatchesQuerySchema,
  ErrorSchema,
  PushResponseSchema,
  SignedBatchSchema,
  BlobParamsSchema,
  BlobStatusSchema,
  BlobUploadQuerySchema,
} from './schemas.js';

/**
 * The sync API's routes as data (see ../routes.ts): the booth's pull API and the central server's
 * push endpoints. Sealed PDF revisions travel beside the records as content-addressed blobs:
 * named by the sign records, fetched (pull) or uploaded (push) in resumable pieces, checked by
 * hash on arrival, and a record is acknowledged only once every blob it names is held.
 */
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
    response: { 200: PushResponseSchema, 400: ErrorSchema, 409: ErrorSchema, ...authErrors },
  },
  blob: {
    method: 'GET',
    url: '/sync/v1/blobs/:id',
    side: 'booth',
    summary:
      'A sealed PDF revision named by a sign record (h-<hash>). `Range: bytes=N-` resumes a transfer (206). Only blobs that a committed sign record names are served.',
    params: BlobParamsSchema,
    response: { 200: Type.String({ description: 'the bytes' }), 404: ErrorSchema, 416: ErrorSchema, ...authErrors },
    responseType: 'application/octet-stream',
  },
  blobStatus: {
    method: 'GET',
    url: '/sync/v1/blob-status/:id',
    side: 'central',
    summary: 'How much of a blob the central server holds: where a push upload resumes.',
    params: BlobParamsSchema,
    response: { 200: BlobStatusSchema, 400: ErrorSchema, ...authErrors },
  },
  blobUpload: {
    method: 'PUT',
    url: '/sync/v1/blobs/:id',
    side: 'central',
    summary:
      'One piece of a blob, at `offset` of `size` bytes. A piece at the wrong offset is refused (409) with the offset to resume from; the last piece completes the blob, which is checked against its name (400 and discarded when it does not match).',
    params: BlobParamsSchema,
    querystring: BlobUploadQuerySchema,
    body: Type.String({ description: 'the bytes' }),
    bodyType: 'application/octet-stream',
    response: { 200: BlobStatusSchema, 400: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, ...authErrors },
  },
} as const satisfies Record<string, RouteSpec>;
