import { Type } from '@sinclair/typebox';

/** Booth enrollment: tokens, certificates and their revocation (central/inventory/). */
export const EnrollmentConfig = Type.Object(
  {
    tokenTtlMs: Type.Integer({
      minimum: 60_000,
      maximum: 30 * 86_400_000,
      default: 30 * 60_000,
      description: 'how long an enrollment token is valid unless `token issue --ttl` says otherwise',
    }),
    certDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 825,
      description: 'lifetime of a booth certificate',
    }),
    certExpiryWarnDays: Type.Integer({
      minimum: 0,
      maximum: 3650,
      default: 30,
      description: '`status` alerts when a booth certificate expires within this many days',
    }),
    crlDays: Type.Integer({
      minimum: 2,
      maximum: 365,
      default: 7,
      description: 'validity (nextUpdate) of the revocation list; the service renews it every day',
    }),
    revocationPollMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 5000,
      description:
        'the service checks the database this often for revocations made by another process and updates its TLS revocation list',
    }),
  },
  { additionalProperties: false, default: {} },
);
