import { Type } from '@sinclair/typebox';
import { defineOp } from '../ops/op.js';
import { inventoryStatus } from '../inventory/status.js';
import { packageDeliveries } from '../publish/status.js';
import { collectStatus } from '../collect/status.js';

/**
 * `booth-central status`: the booths (last contact, where they were last seen, backlog),
 * problems to look at and alerts. Later features add their parts (collection backlog, packages
 * not yet installed).
 */
export const StatusOutput = Type.Object(
  {
    database: Type.String(),
    booths: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          room: Type.String(),
          status: Type.String(),
          lastContactAt: Type.Union([Type.String(), Type.Null()]),
          lastAddress: Type.Union([Type.String(), Type.Null()]),
          certificate: Type.Union([
            Type.Object({ serial: Type.String(), notAfter: Type.String() }, { additionalProperties: false }),
            Type.Null(),
          ]),
          packages: Type.Optional(
            Type.Array(Type.Object({}, { additionalProperties: true }), {
              description: 'published and not installed (pending) or refused by the booth',
            }),
          ),
        },
        { additionalProperties: true },
      ),
    ),
    problems: Type.Array(Type.Object({}, { additionalProperties: true })),
    alerts: Type.Array(Type.String()),
    collect: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

export const statusOp = defineOp({
  name: 'status',
  summary: 'Booths, last contact, backlog, problems and alerts.',
  method: 'GET',
  url: '/admin/v1/status',
  input: Type.Object({}, { additionalProperties: false }),
  output: StatusOutput,
  async run(ctx) {
    const inventory = await inventoryStatus(ctx);
    const problems = await ctx.db.query(
      'SELECT id, at, booth_id AS "boothId", seq, kind, detail FROM problems WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 100',
    );
    const deliveries = await packageDeliveries(ctx.db, ctx.clock.now());
    const collect = await collectStatus(ctx);
    return {
      database: ctx.db.describe,
      booths: inventory.booths.map((b) => ({
        ...b,
        packages: deliveries.byBooth.get(b.id) ?? [],
        ...collect.booths.get(b.id),
      })),
      problems: problems.rows,
      alerts: [...inventory.alerts, ...deliveries.alerts, ...collect.alerts],
      collect: collect.totals,
    };
  },
});
