import { Type, type Static } from '@sinclair/typebox';
import type { RouteSpec } from './routes.js';
import { CentralCommandSchema } from './session/schema.js';
import { ErrorSchema } from './sync/schemas.js';

/**
 * The package channel: how a booth gets its sessions from the central server. Every request is
 * the booth's (it may sit behind NAT), over mutual TLS with its enrolled certificate; the central
 * server knows the booth by the id its certificate names, never by its address.
 *
 * The booth asks for its manifest (at start, every few minutes, at a package's unlock time),
 * fetches the packages and documents it does not hold yet, streaming each to disk under a size
 * limit and checking it against the manifest's sha256, applies the signed commands, and reports
 * what it installed or refused. Everything it acts on is signed by the session key it pinned at
 * enrollment; the manifest itself only says what to fetch.
 */
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const ManifestPackage = Type.Object(
  {
    packageId: Id,
    version: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'of the package body as served' }),
    size: Type.Integer({ minimum: 1, description: 'bytes of the package body' }),
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    unlockAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'the newest version of one package for this booth' },
);

export const ManifestSchema = Type.Object(
  {
    boothId: Id,
    serverTime: Type.Integer({ description: 'the central clock, ms since the epoch (the booth logs a large skew)' }),
    packages: Type.Array(ManifestPackage, { maxItems: 100 }),
    commands: Type.Array(CentralCommandSchema, { maxItems: 1000, description: 'signed orders, oldest first' }),
  },
  { additionalProperties: false },
);
export type Manifest = Static<typeof ManifestSchema>;

export const PackageParams = Type.Object(
  { packageId: Id, version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const DocumentParams = Type.Object({ sha256: Sha256 }, { additionalProperties: false });

export const PackageState = Type.Union([
  Type.Literal('installed'),
  Type.Literal('refused'),
  Type.Literal('closed'),
  Type.Literal('revoked'),
]);

export const ChannelReportSchema = Type.Object(
  {
    packages: Type.Array(
      Type.Object(
        {
          packageId: Id,
          version: Type.Integer({ minimum: 1 }),
          state: PackageState,
          reason: Type.Optional(Type.String({ maxLength: 64 })),
          message: Type.Optional(Type.String({ maxLength: 2000 })),
          at: Type.Integer({ description: 'booth clock, ms since the epoch' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false, description: 'what the booth did with what it fetched' },
);
export type ChannelReport = Static<typeof ChannelReportSchema>;

const authErrors = { 401: ErrorSchema, 403: ErrorSchema };

export const CHANNEL_ROUTES = {
  manifest: {
    method: 'GET',
    url: '/channel/v1/manifest',
    side: 'central',
    summary: "This booth's packages (newest version of each, not yet expired) and its pending signed commands.",
    response: { 200: ManifestSchema, ...authErrors },
  },
  package: {
    method: 'GET',
    url: '/channel/v1/packages/:packageId/:version',
    side: 'central',
    summary: 'One package version as the central server signed it (application/json), for this booth only.',
    params: PackageParams,
    response: { 200: Type.Object({}, { additionalProperties: true }), 404: ErrorSchema, ...authErrors },
  },
  document: {
    method: 'GET',
    url: '/channel/v1/documents/:sha256',
    side: 'central',
    summary:
      'A published PDF named by its sha256, served only to booths whose packages name it. `Range: bytes=N-` resumes (206).',
    params: DocumentParams,
    response: { 200: Type.String({ description: 'the PDF' }), 404: ErrorSchema, 416: ErrorSchema, ...authErrors },
    responseType: 'application/pdf',
  },
  report: {
    method: 'POST',
    url: '/channel/v1/report',
    side: 'central',
    summary: 'What the booth installed, refused, closed or revoked (shown by `booth-central status`).',
    body: ChannelReportSchema,
    response: {
      200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false }),
      400: ErrorSchema,
      ...authErrors,
    },
  },
} as const satisfies Record<string, RouteSpec>;

/** A package document's `url` as the central server publishes it: a path on the channel, fetched over the same mTLS connection. */
export function documentPath(sha256: string): string {
  return `/channel/v1/documents/${sha256}`;
}
