import { Type } from '@sinclair/typebox';
import { defineOp } from '../ops/op.js';
import { Collector } from './scheduler.js';

/**
 * `booth-central collect --once [--booth ID]`: one pull round now, whatever the backoff: every
 * active booth with a pull URL, or the one named. Served by the admin API too, so the command
 * works beside a running service that owns the embedded database.
 */
const Round = Type.Object(
  {
    boothId: Type.String(),
    ok: Type.Boolean(),
    error: Type.Optional(Type.String()),
    outcome: Type.Optional(
      Type.Object(
        {
          boothId: Type.String(),
          batches: Type.Integer(),
          records: Type.Integer(),
          stored: Type.Integer(),
          duplicates: Type.Integer(),
          rejected: Type.Integer(),
          blobs: Type.Integer(),
          lastSeq: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const collectOp = defineOp({
  name: 'collect',
  summary: 'Pull every booth (or one) now: verify, store, acknowledge.',
  method: 'POST',
  url: '/admin/v1/collect',
  input: Type.Object(
    { boothId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
    { additionalProperties: false },
  ),
  output: Type.Object({ booths: Type.Array(Round) }, { additionalProperties: false }),
  async run(ctx, input) {
    const booths = await new Collector(ctx).once(input.boothId ? { boothId: input.boothId } : {});
    return { booths };
  },
});
