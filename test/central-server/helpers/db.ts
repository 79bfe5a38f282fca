import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../../central/db/db.js';
import { migrate } from '../../../central/db/migrate.js';
import { MIGRATIONS } from '../../../central/db/migrations/index.js';
import { openPglite } from '../../../central/db/pglite.js';
import { openPostgres } from '../../../central/db/postgres.js';
import { withDatabase } from '../../../central/db/url.js';

/**
 * Every central test runs on both databases the product supports: the embedded PGlite and a
 * PostgreSQL server (DATABASE_URL, from .ci/run or test/pg-setup.ts). Each call makes a fresh,
 * migrated database (PGlite in memory; a new database on the server, dropped by `drop`).
 */
export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestDb {
  db: Db;
  /** postgresql://... of the fresh database (postgres only): give it to a central process. */
  url: string | null;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (test/pg-setup.ts starts a cluster when it is missing)');
  return url;
}

/** A fresh empty database on the server (no schema yet); returns its URL and how to drop it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(serverUrl(), name),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function testDb(backend: Backend): Promise<TestDb> {
  if (backend === 'pglite') {
    const db = await openPglite(null);
    await migrate(db, MIGRATIONS);
    return { db, url: null, drop: () => db.close() };
  }
  const fresh = await freshPostgresDatabase();
  const db = await openPostgres(fresh.url);
  await migrate(db, MIGRATIONS);
  return {
    db,
    url: fresh.url,
    async drop() {
      await db.close();
      await fresh.drop();
    },
  };
}
