import { join } from 'node:path';

/** Where the store keeps its files inside the data directory. */
export function storePaths(dataDir: string, dataKeyFile = '') {
  return {
    journal: join(dataDir, 'journal'),
    quarantine: join(dataDir, 'quarantine'),
    /** Sealed revisions no record names (a crash before the sign record): kept apart, never used or synced. */
    orphans: join(dataDir, 'orphans'),
    blobs: join(dataDir, 'blobs'),
    state: join(dataDir, 'state'),
    storeState: join(dataDir, 'state', 'store.json'),
    syncState: join(dataDir, 'state', 'sync.json'),
    dataKey: dataKeyFile || join(dataDir, 'keys', 'data.key'),
  };
}
