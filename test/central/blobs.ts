import { cryptoSuite } from '../../protocol/records/crypto-suite.js';

/**
 * The reference central server's blob store (in memory): sealed PDF revisions arrive in pieces
 * (push: PUT at an offset; pull: fetched with Range), each piece must continue exactly where the
 * held bytes end, and a blob is complete once all its bytes are held AND they match its name
 * (`h-` + SHA-256, or SM3 for a booth on the sm suite); a blob that does not match is discarded.
 * `log` lists what happened, in order, for the tests' assertions.
 */
export interface HeldBlob {
  size: number;
  chunks: Buffer[];
  received: number;
  complete: boolean;
}

export type BlobLogEntry =
  | { type: 'piece'; id: string; offset: number; length: number; via: 'push' | 'pull' }
  | { type: 'complete'; id: string }
  | { type: 'mismatch'; id: string };

export type PutResult =
  | { ok: true; status: { id: string; received: number; complete: boolean } }
  | { ok: false; reason: 'offset'; received: number }
  | { ok: false; reason: 'size' | 'mismatch'; message: string };

const suites = [cryptoSuite('p256'), cryptoSuite('sm')];

export class CentralBlobs {
  readonly held = new Map<string, HeldBlob>();
  readonly log: BlobLogEntry[] = [];

  status(id: string): { id: string; received: number; complete: boolean } {
    const b = this.held.get(id);
    return { id, received: b?.received ?? 0, complete: b?.complete ?? false };
  }

  isComplete(id: string): boolean {
    return this.held.get(id)?.complete === true;
  }

  bytes(id: string): Buffer | null {
    const b = this.held.get(id);
    return b?.complete ? Buffer.concat(b.chunks) : null;
  }

  /** Adds bytes at `offset` of a blob of `size`; completes and checks the blob on its last byte. */
  put(id: string, offset: number, size: number, piece: Buffer, via: 'push' | 'pull'): PutResult {
    let b = this.held.get(id);
    if (!b) {
      b = { size, chunks: [], received: 0, complete: false };
      this.held.set(id, b);
    }
    if (b.complete) return { ok: true, status: this.status(id) };
    if (size !== b.size) return { ok: false, reason: 'size', message: `blob ${id} is ${b.size} bytes, not ${size}` };
    if (offset !== b.received) return { ok: false, reason: 'offset', received: b.received };
    if (offset + piece.length > size)
      return { ok: false, reason: 'size', message: `piece at ${offset} of ${piece.length} bytes runs past ${size}` };
    b.chunks.push(Buffer.from(piece));
    b.received += piece.length;
    this.log.push({ type: 'piece', id, offset, length: piece.length, via });
    if (b.received === size) {
      const all = Buffer.concat(b.chunks);
      if (!suites.some((s) => `h-${s.hash(all)}` === id)) {
        this.held.delete(id);
        this.log.push({ type: 'mismatch', id });
        return { ok: false, reason: 'mismatch', message: `blob ${id}: the bytes received do not match its name` };
      }
      b.chunks = [all];
      b.complete = true;
      this.log.push({ type: 'complete', id });
    }
    return { ok: true, status: this.status(id) };
  }

  /** Tests: the central server already holds the first bytes of a blob (an earlier, broken transfer). */
  preload(id: string, size: number, first: Buffer, via: 'push' | 'pull' = 'pull'): void {
    this.held.delete(id);
    const r = this.put(id, 0, size, first, via);
    if (!r.ok) throw new Error(`preload ${id}: ${JSON.stringify(r)}`);
  }
}
