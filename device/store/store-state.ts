import { Type, type Static } from '@sinclair/typebox';
import { openStateFile, type StateFile } from './state-file.js';

/**
 * The store's small state: the session index (which sensitive blobs, e.g. face templates,
 * belong to an open session, to delete them when it closes).
 */
export const StoreStateSchema = Type.Object({
  version: Type.Literal(1),
  sessions: Type.Record(Type.String(), Type.Array(Type.String())),
});
export type StoreState = Static<typeof StoreStateSchema>;

export function openStoreState(path: string): Promise<StateFile<typeof StoreStateSchema>> {
  return openStateFile(path, StoreStateSchema, () => ({ version: 1 as const, sessions: {} }));
}

/** One point of the acknowledgement history: everything up to `seq` was acknowledged at `at`. */
export interface AckPoint {
  seq: number;
  at: number;
}

/** What retention asks the sync feature: how far, and since when, the central server acknowledged. */
export interface AckSource {
  ackPoints(): readonly AckPoint[];
}
