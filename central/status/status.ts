import { Type } from '@sinclair/typebox';
import { defineOp } from '../ops/op.js';
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
    const booths = await ctx.db.query<{
      id: string;
      room: string;
      status: string;
      last_contact_at: Date | null;
      last_address: string | null;
    }>('SELECT id, room, status, last_contact_at, last_address FROM booths ORDER BY id');
    const problems = await ctx.db.query(
      'SELECT id, at, booth_id AS "boothId", seq, kind, detail FROM problems WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 100',
    );
    const collect = await collectStatus(ctx);
    return {
      database: ctx.db.describe,
      booths: booths.rows.map((b) => ({
        id: b.id,
        room: b.room,
        status: b.status,
        lastContactAt: b.last_contact_at?.toISOString() ?? null,
        lastAddress: b.last_address,
        ...collect.booths.get(b.id),
      })),
      problems: problems.rows,
      alerts: [...collect.alerts],
      collect: collect.totals,
    };
  },
});
