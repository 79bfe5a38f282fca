/** The durable store: journal, small state, blobs, retention. See docs/store-sync.md. */
export { JournalRecordStore, type StoreDeps, type StoreSettings } from './record-store.js';
export { Journal, type RecoveryReport } from './journal.js';
export { DurableJsonAdapter, openStateFile } from './state-file.js';
export { BlobStore, BLOB_ID_RE } from './blobs.js';
export { loadSigner } from './signer.js';
export { storePaths } from './layout.js';
export type { AckPoint, AckSource } from './store-state.js';
