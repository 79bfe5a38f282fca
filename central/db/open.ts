import { join } from 'node:path';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

/**
 * The database the configuration names: a PostgreSQL server (databaseUrl / DATABASE_URL) or the
 * embedded PGlite in <dataDir>/db; migrated to the current schema before anything uses it.
 * Drivers are imported on demand: a PostgreSQL deployment never loads PGlite's WebAssembly.
 */
export async function openDatabase(o: { databaseUrl: string; dataDir: string }): Promise<Db> {
  const db = o.databaseUrl
    ? await (await import('./postgres.js')).openPostgres(o.databaseUrl)
    : await (await import('./pglite.js')).openPglite(join(o.dataDir, 'db'));
  try {
    await migrate(db, MIGRATIONS);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
