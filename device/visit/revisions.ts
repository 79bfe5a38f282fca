/**
 * Which sealed revision is the working copy of a document: the latest one that a committed sign
 * record names for the same package, project, document id AND published sha256 (pure, in
 * memory; rebuilt from the journal at start). A later package that reuses the project and
 * document ids, or a corrected PDF (another sha256) in a new version, starts again from its own
 * published original: nothing of another package's file is ever used. Revisions without a sign
 * record (an orphaned seal) are never entered.
 */
export interface RevisionRef {
  /** The store blob (`h-<hash>`) holding the revision. */
  blob: string;
  /** Its SHA-256 (the sign record's sha256After), checked again when it is read as a base. */
  sha256: string;
  signId: string;
}

export interface DocumentKey {
  packageId: string;
  projectId: string;
  documentId: string;
  sha256Published: string;
}

const keyOf = (k: DocumentKey) => [k.packageId, k.projectId, k.documentId, k.sha256Published].join('\u0000');
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export class RevisionIndex {
  private readonly latest = new Map<string, RevisionRef>();

  /**
   * Takes a committed sign payload (records in seq order): each document it sealed becomes the
   * latest revision of its key. A refusal (blob null) changes nothing; a record without the
   * published sha256 or blob (written before revisions were store blobs) names no usable base.
   */
  add(payload: Record<string, unknown>): void {
    const packageId = str(payload.packageId);
    const projectId = str(payload.projectId);
    const signId = str(payload.signId);
    if (!packageId || !projectId || !signId || !Array.isArray(payload.documents)) return;
    for (const d of payload.documents as Record<string, unknown>[]) {
      const documentId = str(d.documentId);
      const sha256Published = str(d.sha256Published);
      const blob = str(d.blob);
      const sha256 = str(d.sha256After);
      if (!documentId || !sha256Published || !blob || !sha256) continue;
      this.latest.set(keyOf({ packageId, projectId, documentId, sha256Published }), { blob, sha256, signId });
    }
  }

  get(key: DocumentKey): RevisionRef | null {
    return this.latest.get(keyOf(key)) ?? null;
  }

  get size(): number {
    return this.latest.size;
  }
}
