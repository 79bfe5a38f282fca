import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../scripts/pg-cluster.mjs';

/**
 * The central server's tests run against PostgreSQL as well as the embedded PGlite. CI (.ci/run)
 * starts a throw-away cluster and sets DATABASE_URL; when it is not set (a laptop), this setup
 * starts one the same way (scripts/pg-cluster.mjs, Debian's postgresql) and stops it after.
 * Each test file then creates its own database in it (test/central-server/helpers/db.ts).
 */
export default function setup(): (() => void) | undefined {
  if (process.env.DATABASE_URL) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'booth-pg-'));
  process.env.DATABASE_URL = startCluster(dir);
  return () => stopCluster(dir);
}
