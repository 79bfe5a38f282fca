/** Kinds of committed records: sign results, audit events (every step, every roster opening), visits. */
export type RecordKind = 'sign' | 'audit' | 'visit' | 'session';

/** Wall time plus whether the clock was synchronised (booths can start without network time). */
export interface RecordTime {
  wall: number;
  synced: boolean;
}

/** A record as committed: ordered, hash-chained and signed by the booth (device/store/). */
export interface CommittedRecord {
  id: string;
  seq: number;
  kind: RecordKind;
  time: RecordTime;
  payload: Record<string, unknown>;
  prevHash: string;
  hash: string;
  signature: string;
}
