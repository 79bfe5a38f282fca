import { Type, type Static } from '@sinclair/typebox';
import type { RouteSpec } from './routes.js';

/**
 * The enrollment protocol between a booth and the central server, one schema for both sides.
 * POST /enroll/v1 with a one-time token and a CSR; the answer carries the booth's certificate,
 * the central CA and the site configuration. The same bodies travel on a USB stick for halls
 * without network (provisioning/offline.ts).
 */
export const ENROLL_PATH = '/enroll/v1';

/** Tokens are 32 random bytes in base64url: long enough that guessing is hopeless within their life. */
export const TokenString = Type.String({ pattern: '^[A-Za-z0-9_-]{20,128}$' });

export const EnrollRequest = Type.Object(
  {
    token: TokenString,
    csr: Type.String({ minLength: 100, maxLength: 8192, pattern: '^-----BEGIN CERTIFICATE REQUEST-----' }),
    /** What the booth found, for the central inventory (never secrets). */
    hardware: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 256 }))),
  },
  { additionalProperties: false },
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const SiteConfig = Type.Object(
  {
    booth: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
        centre: Type.String({ maxLength: 200 }),
        hall: Type.String({ maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
    /** Merged into the config's sync section; validated there by the sync feature's schema. */
    sync: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type SiteConfig = Static<typeof SiteConfig>;

/** A central public key the booth pins: the one that signs packages and commands, or the escrow key. */
export const PinnedKey = Type.Object(
  {
    publicKeyPem: Type.String({ minLength: 100, maxLength: 1000, pattern: '^-----BEGIN PUBLIC KEY-----' }),
    keyId: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the SubjectPublicKeyInfo DER' }),
  },
  { additionalProperties: false },
);

export const EnrollResponse = Type.Object(
  {
    certificate: Type.String({ pattern: '^-----BEGIN CERTIFICATE-----' }),
    caCertificate: Type.String({ pattern: '^-----BEGIN CERTIFICATE-----' }),
    site: SiteConfig,
    keys: Type.Object(
      {
        session: PinnedKey,
        escrow: PinnedKey,
      },
      {
        additionalProperties: false,
        description:
          'session: signs packages and commands (later rotations arrive signed by it); escrow: signature dynamics are encrypted to it',
      },
    ),
  },
  { additionalProperties: false },
);
export type EnrollResponse = Static<typeof EnrollResponse>;

/** Error bodies: a coded error (protocol/errors.ts). */
export const EnrollError = Type.Object({
  code: Type.String(),
  message: Type.String(),
});

export const ENROLL_ROUTES = {
  enroll: {
    method: 'POST',
    url: ENROLL_PATH,
    side: 'central',
    summary:
      'A booth sends its one-time token and a CSR and gets its certificate (naming its booth id), the CA, its site configuration and the central keys to pin. Served without a client certificate (the booth has none yet); the token is the credential. A token of a revoked booth is refused (403).',
    anonymous: true,
    body: EnrollRequest,
    response: {
      200: EnrollResponse,
      400: EnrollError,
      401: EnrollError,
      403: EnrollError,
      409: EnrollError,
      410: EnrollError,
    },
  },
} as const satisfies Record<string, RouteSpec>;
