import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';

/**
 * The embedded database: PGlite (PostgreSQL in WebAssembly) in `dir`, so a laptop trial needs no
 * server. One process owns it (the data-dir lock sees to that); `booth-central` commands reach a
 * running service through its admin API instead. `dir` null = in memory (tests).
 */
export async function openPglite(dir: string | null): Promise<Db> {
  if (dir) await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dir ?? undefined, {
    parsers: { [types.INT8]: (v: string) => Number(v) },
  });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const r = await q.query<R>(sql, params as unknown[]);
      // affectedRows is 0 for a SELECT in PGlite; pg counts the rows returned.
      return { rows: r.rows, rowCount: r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    describe: dir ? `pglite:${dir}` : 'pglite:memory',
    ...wrap(db),
    tx: (fn) => db.transaction((t) => fn(wrap(t))),
    close: () => db.close(),
  };
}
