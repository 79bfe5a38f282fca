import { Type, type Static } from '@sinclair/typebox';
import { BOOTH_ID_PATTERN } from '../../protocol/crypto/booth-id.js';

/** What the inventory says about booths and their certificates (admin API and commands). */
export const BoothId = Type.String({
  pattern: BOOTH_ID_PATTERN.source,
  description: 'the booth id its certificate names (urn:booth:<id>): letters, digits, . _ -',
});
const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const CertificateSummary = Type.Object(
  {
    serial: Type.String({ description: 'hex, upper case (X509Certificate.serialNumber)' }),
    keyId: Type.String({ description: "SHA-256 of the booth key's SubjectPublicKeyInfo" }),
    fingerprint256: Type.String(),
    issuedAt: Time,
    notAfter: Time,
    revokedAt: Nullable(Time),
    revokeReason: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type CertificateSummary = Static<typeof CertificateSummary>;

export const BoothInfo = Type.Object(
  {
    id: BoothId,
    room: Type.String(),
    centre: Type.String(),
    hall: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
    createdAt: Time,
    revokedAt: Nullable(Time),
    revokeReason: Nullable(Type.String()),
    pullUrl: Nullable(Type.String()),
    lastContactAt: Nullable(Time),
    lastAddress: Nullable(Type.String({ description: 'where it was last seen: for people, never its identity' })),
    certificate: Type.Union([CertificateSummary, Type.Null()], {
      description: 'the certificate in force (else the latest revoked one; null: never enrolled)',
    }),
  },
  { additionalProperties: false },
);
export type BoothInfo = Static<typeof BoothInfo>;
