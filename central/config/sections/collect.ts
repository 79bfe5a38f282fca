import { Type } from '@sinclair/typebox';

/** Collecting results from booths (central/collect/): the pull scheduler beside the push endpoint. */
export const CollectConfig = Type.Object(
  {
    pull: Type.Boolean({
      default: true,
      description: 'run the pull scheduler inside `booth-central start` (booths with a pull URL)',
    }),
    intervalMs: Type.Integer({
      minimum: 1000,
      maximum: 86_400_000,
      default: 60_000,
      description: 'pull each reachable booth this often',
    }),
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'booths pulled at the same time' }),
    batchLimit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    backoffBaseMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5000 }),
    backoffMaxMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 3_600_000 }),
    requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
    verifyThreads: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 0, maximum: 32 })], {
      default: 'auto',
      description:
        "worker threads that check record signatures; 'auto' = one less than the cores (at most 8); 0 = on the event loop",
    }),
    maxBatchBytes: Type.Integer({
      minimum: 65_536,
      maximum: 1024 * 1024 * 1024,
      default: 64 * 1024 * 1024,
      description: 'a pulled batch larger than this is refused',
    }),
    maxBlobBytes: Type.Integer({
      minimum: 65_536,
      maximum: 1024 * 1024 * 1024,
      default: 256 * 1024 * 1024,
      description: 'largest sealed PDF revision accepted (push upload or pull)',
    }),
  },
  { additionalProperties: false, default: {} },
);
