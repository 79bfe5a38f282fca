/** Sync: outbox, push client, pull API. See docs/store-sync.md and docs/sync-api.md. */
export { SyncService, type SyncDeps, type SyncSettings } from './sync-service.js';
export { Outbox } from './outbox.js';
export { PushLoop } from './push-loop.js';
export { PushClient } from './push-client.js';
export { PullActions } from './pull-actions.js';
export { buildPullServer } from './pull-server.js';
export { backoffDelay } from './backoff.js';
