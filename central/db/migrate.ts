import type { Db } from './db.js';

/**
 * Schema migrations: numbered SQL, applied in order, each in its own transaction, under an
 * advisory lock so two central processes starting together do not both apply one. A migration
 * once applied is never edited: a change is a new migration. The list lives in migrations/index.ts.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

const LOCK_KEY = 0x6263_6d67; // "bcmg"

export async function migrate(db: Db, migrations: readonly Migration[]): Promise<number[]> {
  const ids = migrations.map((m) => m.id);
  if (new Set(ids).size !== ids.length || ids.some((id, i) => i > 0 && id <= (ids[i - 1] ?? 0)))
    throw new Error(`migrations must have unique, increasing ids (got ${ids.join(', ')})`);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      // Under the lock: two processes starting together would race even on IF NOT EXISTS.
      await q.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const has = await q.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (has.rowCount > 0) return false;
      await q.exec(m.sql);
      await q.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}
