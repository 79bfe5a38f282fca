import { BLOB_ID_RE } from './blobs.js';

/**
 * Which blobs the retained records reference (a sealed PDF lives as long as a record that names
 * it). Records name blobs by id anywhere in their payload; counts, since several records may
 * name the same blob.
 */
export class BlobRefs {
  private readonly counts = new Map<string, number>();

  static idsIn(value: unknown, out: string[] = []): string[] {
    if (typeof value === 'string') {
      if (value.length === 66 && BLOB_ID_RE.test(value)) out.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) BlobRefs.idsIn(v, out);
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) BlobRefs.idsIn(v, out);
    }
    return out;
  }

  add(payload: unknown): void {
    for (const id of BlobRefs.idsIn(payload)) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Removes one record's references; returns the ids nothing references any more. */
  remove(payload: unknown): string[] {
    const freed: string[] = [];
    for (const id of BlobRefs.idsIn(payload)) {
      const n = (this.counts.get(id) ?? 0) - 1;
      if (n <= 0) {
        this.counts.delete(id);
        freed.push(id);
      } else this.counts.set(id, n);
    }
    return freed;
  }

  has(id: string): boolean {
    return this.counts.has(id);
  }
}
