import { Type } from '@sinclair/typebox';

/** Booth enrollment: tokens and certificates (central/inventory/). */
export const EnrollmentConfig = Type.Object(
  {
    tokenTtlMs: Type.Integer({ minimum: 60_000, maximum: 30 * 86_400_000, default: 30 * 60_000 }),
    certDays: Type.Integer({ minimum: 1, maximum: 3650, default: 825 }),
  },
  { additionalProperties: false, default: {} },
);
