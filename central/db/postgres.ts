import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';
import { describePostgresUrl } from './url.js';

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The database at `url` (postgresql://...), through a small pool of `pg` connections. */
export async function openPostgres(url: string, o: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 4, types });
  // An idle client that the server drops (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  const client = await pool.connect(); // fail now, with a clear message, if the server is not there
  client.release();
  const wrap = (c: { query: pg.Pool['query'] }): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const r = await c.query(sql, params as unknown[]);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
  });
  return {
    kind: 'postgres',
    describe: describePostgresUrl(url),
    ...wrap(pool),
    async tx(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(wrap(c as unknown as { query: pg.Pool['query'] }));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
