import { Type } from '@sinclair/typebox';

/** Collecting results from booths (central/collect/): the pull scheduler beside the push endpoint. */
export const CollectConfig = Type.Object(
  {
    intervalMs: Type.Integer({
      minimum: 1000,
      maximum: 86_400_000,
      default: 60_000,
      description: 'pull each reachable booth this often',
    }),
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    batchLimit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    backoffBaseMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5000 }),
    backoffMaxMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 3_600_000 }),
    requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  },
  { additionalProperties: false, default: {} },
);
