import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../central/db/migrate.js';
import { MIGRATIONS } from '../../central/db/migrations/index.js';
import { openPostgres } from '../../central/db/postgres.js';
import { BACKENDS, freshPostgresDatabase, testDb, type TestDb } from './helpers/db.js';

describe.each(BACKENDS)('central database on %s', (backend) => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.drop();
    t = null;
  });

  it('migrates once: a second run applies nothing, and the schema is there', async () => {
    t = await testDb(backend);
    expect(await migrate(t.db, MIGRATIONS)).toEqual([]);
    const tables = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['booths', 'records', 'chain_heads', 'packages', 'plan_assignments', 'sign_facts']),
    );
  });

  it('normalises results: int8 as numbers, timestamptz as Date, jsonb parsed; SELECT counts its rows', async () => {
    t = await testDb(backend);
    const r = await t.db.query<{ n: number; at: Date; j: { a: number } }>(
      "SELECT 9007199254740991::int8 AS n, '2026-12-05T01:02:03Z'::timestamptz AS at, '{\"a\":1}'::jsonb AS j",
    );
    expect(r.rowCount).toBe(1);
    expect(r.rows[0]).toEqual({ n: 9007199254740991, at: new Date('2026-12-05T01:02:03Z'), j: { a: 1 } });
  });

  it('rolls a failed transaction back whole', async () => {
    t = await testDb(backend);
    await expect(
      t.db.tx(async (q) => {
        await q.query("INSERT INTO booths (id, room) VALUES ('b1', 'r1')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await t.db.query('SELECT id FROM booths')).rowCount).toBe(0);
  });
});

describe('migrations on a PostgreSQL server shared by several processes', () => {
  it('two central processes migrating at once apply each migration exactly once', async () => {
    const fresh = await freshPostgresDatabase();
    const [a, b] = [await openPostgres(fresh.url), await openPostgres(fresh.url)];
    try {
      const [ra, rb] = await Promise.all([migrate(a, MIGRATIONS), migrate(b, MIGRATIONS)]);
      expect([...ra, ...rb].sort()).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});
