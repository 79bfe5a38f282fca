import { Type } from '@sinclair/typebox';

/** Settings of the sync feature (device/sync/). Owned by that feature; every field has a default. */
export const SyncConfig = Type.Object({}, { additionalProperties: false, default: {} });
