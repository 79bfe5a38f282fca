import type { Logger } from 'pino';
import type { CentralConfig } from './config/schema.js';
import type { Db } from './db/db.js';
import type { CentralKeys } from './pki/keys.js';
import type { CentralPaths } from './data-dir.js';
import type { BlobFiles } from './blobs.js';

/**
 * What every central action gets: configuration, the database, the keys, the blob files, a
 * clock and a logger. Actions are plain functions of this context and their input; the HTTP
 * routes, the admin API and the `booth-central` commands are thin layers over them.
 */
export interface CentralContext {
  config: CentralConfig;
  db: Db;
  keys: CentralKeys;
  paths: CentralPaths;
  blobs: BlobFiles;
  clock: { now(): number };
  log: Logger;
}
