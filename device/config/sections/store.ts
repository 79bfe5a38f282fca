import { Type } from '@sinclair/typebox';

/** Settings of the store feature (device/store/). Owned by that feature; every field has a default. */
export const StoreConfig = Type.Object(
  {
    crypto: Type.Union([Type.Literal('p256'), Type.Literal('sm')], {
      default: 'p256',
      description:
        'p256: SHA-256 hash chain, ECDSA P-256 signatures, AES-256-GCM at rest; sm: SM3 chain, SM2 signatures, SM4-CTR + HMAC-SM3 at rest',
    }),
    segmentMaxBytes: Type.Integer({
      minimum: 4096,
      maximum: 1024 * 1024 * 1024,
      default: 16 * 1024 * 1024,
      description: 'a journal segment rotates when it grows past this size (it also rotates every UTC day)',
    }),
    dataKeyFile: Type.String({
      default: '',
      description:
        'file holding the 32-byte data key for encryption at rest; empty = <dataDir>/keys/data.key (put it on another medium when the hardware allows)',
    }),
    retention: Type.Object(
      {
        ackedRecordDays: Type.Integer({
          minimum: 0,
          maximum: 3650,
          default: 30,
          description: 'sign records, audit events and the blobs they reference stay this long after the central ack',
        }),
        sweepIntervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 3_600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    disk: Type.Object(
      {
        lowFreeBytes: Type.Integer({
          minimum: 0,
          default: 512 * 1024 * 1024,
          description: 'below this much free space the booth refuses new visits (kiosk message, fault LED)',
        }),
        criticalFreeBytes: Type.Integer({
          minimum: 0,
          default: 64 * 1024 * 1024,
          description: 'below this much free space even commits are refused (nothing half-written)',
        }),
        checkIntervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 30_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
