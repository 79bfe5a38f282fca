import type { Logger } from 'pino';
import type { CentralConfig } from './config/schema.js';
import type { CentralContext } from './context.js';
import { BlobFiles } from './blobs.js';
import { centralPaths } from './data-dir.js';
import { openDatabase } from './db/open.js';
import { loadKeys } from './pki/keys.js';

/** Keys, database (migrated) and blob files for the configuration: what a command or the service acts with. */
export async function openContext(
  config: CentralConfig,
  log: Logger,
  clock: CentralContext['clock'] = { now: () => Date.now() },
): Promise<CentralContext & { close(): Promise<void> }> {
  const paths = centralPaths(config.dataDir);
  const keys = await loadKeys(config.dataDir);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  return { config, db, keys, paths, blobs: new BlobFiles(paths.blobs), clock, log, close: () => db.close() };
}
