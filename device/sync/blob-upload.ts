import { open } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';
import type { CommittedRecord } from '../core/ports.js';
import type { JournalRecordStore } from '../store/record-store.js';
import type { PushClient } from './push-client.js';
import { blobsNamedBy } from './signed-blobs.js';

/**
 * Before a batch is pushed, the sealed revisions its sign records name go up first: the central
 * server acknowledges a sign record only once it holds every blob the record names. For each
 * blob the central server says how much it holds (blob status); the rest goes in pieces of at
 * most `maxBytes`, read from the blob's file (never the whole PDF in memory). After a failure
 * (reset, timeout) the next push round asks again and resumes from the central server's offset.
 */
export interface BlobUploadOptions {
  client: PushClient;
  store: JournalRecordStore;
  maxBytes: number;
  /** Each piece sent (tests, logs). */
  onPiece?: (p: { id: string; offset: number; length: number; size: number }) => void;
}

export class BlobUploader {
  constructor(private readonly o: BlobUploadOptions) {}

  /** Uploads what the central server lacks of every blob the records name; throws on any failure. */
  async ensure(records: readonly CommittedRecord[]): Promise<number> {
    const ids = [...new Set(records.flatMap(blobsNamedBy))];
    let sent = 0;
    for (const id of ids) sent += await this.upload(id);
    return sent;
  }

  private async upload(id: string): Promise<number> {
    const status = await this.o.client.blobStatus(id);
    if (status.complete) return 0;
    const file = await this.o.store.blobFile(id);
    if (!file)
      throw new BoothError(
        'BOOTH_ERR_STORE_FAULT',
        `blob ${id}: a sign record names it but the store does not hold it`,
      );
    const fh = await open(file.path, 'r');
    let sent = 0;
    try {
      let offset = status.received > file.size ? 0 : status.received;
      for (;;) {
        const length = Math.min(this.o.maxBytes, file.size - offset);
        const piece = Buffer.alloc(length);
        const { bytesRead } = await fh.read(piece, 0, length, offset);
        if (bytesRead !== length) throw new BoothError('BOOTH_ERR_STORE_FAULT', `blob ${id}: short read at ${offset}`);
        this.o.onPiece?.({ id, offset, length, size: file.size });
        const s = await this.o.client.putBlobPiece(id, offset, file.size, piece);
        sent += length;
        if (s.complete) return sent;
        // The central server says where it stands (after a 409 too); no progress means something is wrong.
        if (s.received === offset || s.received >= file.size)
          throw new BoothError(
            'BOOTH_ERR_SYNC_FAILED',
            `blob ${id}: the central server holds ${s.received} of ${file.size} bytes after a piece at ${offset}`,
          );
        offset = s.received;
      }
    } finally {
      await fh.close();
    }
  }
}
