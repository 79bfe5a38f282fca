import { BLOB_ID_RE } from './blobs.js';

/** Blob ids named anywhere in a record's payload (a sealed PDF lives as long as a record naming it). */
export const BlobRefs = {
  idsIn(value: unknown, out: string[] = []): string[] {
    if (typeof value === 'string') {
      if (value.length === 66 && BLOB_ID_RE.test(value)) out.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) BlobRefs.idsIn(v, out);
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) BlobRefs.idsIn(v, out);
    }
    return out;
  },
};
