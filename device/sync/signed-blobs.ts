import type { CommittedRecord } from '../core/ports.js';
import type { JournalRecordStore } from '../store/record-store.js';

/**
 * The blobs that travel in sync: the sealed PDF revisions that committed sign records name
 * (`documents[].blob`, `h-<hash>`). Nothing else a booth holds is served or uploaded: not the
 * encrypted dynamics and templates (k- blobs), not a revision an orphaned seal left behind
 * (only audit records name it), not a blob no record names.
 */
const PLAIN_BLOB = /^h-[0-9a-f]{64}$/;

export function blobsNamedBy(record: CommittedRecord): string[] {
  if (record.kind !== 'sign' || !Array.isArray(record.payload.documents)) return [];
  const out: string[] = [];
  for (const d of record.payload.documents as { blob?: unknown }[])
    if (typeof d?.blob === 'string' && PLAIN_BLOB.test(d.blob) && !out.includes(d.blob)) out.push(d.blob);
  return out;
}

/**
 * Which blobs the sign records in the journal name, kept up to date by reading the records
 * committed since the last question (the journal only grows; retention deletes a blob together
 * with the last record naming it, and a deleted blob is then simply not found).
 */
export class SignedBlobs {
  private readonly named = new Set<string>();
  private scannedUpTo = 0;
  private scanning: Promise<void> | null = null;

  constructor(private readonly store: JournalRecordStore) {}

  async isNamed(id: string): Promise<boolean> {
    if (!PLAIN_BLOB.test(id)) return false;
    await this.catchUp();
    return this.named.has(id);
  }

  private catchUp(): Promise<void> {
    this.scanning ??= this.scan().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    let after = Math.max(this.scannedUpTo, this.store.firstSeq - 1);
    while (after < this.store.lastSeq) {
      const chunk = await this.store.read(after, 5000);
      if (chunk.length === 0) break;
      for (const r of chunk) for (const id of blobsNamedBy(r)) this.named.add(id);
      after = chunk.at(-1)?.seq ?? this.store.lastSeq;
    }
    this.scannedUpTo = after;
  }
}
