import type { Migration } from '../migrate.js';

/**
 * Collecting (central/collect/): what the first schema lacked for it.
 *  - sign_facts.pdfs_pending: a stored sign record whose sealed revisions are not verified yet
 *    (verification runs after the record's transaction; a crash in between leaves the flag,
 *    and the next sweep finishes the work). The partial index keeps the sweep cheap.
 *  - blobs.quarantined: a flagged sealed PDF is moved to <dataDir>/quarantine, kept apart.
 *  - sealed_pdfs lookup of an earlier revision of the same document (the revision chain).
 *  - problems lookup by booth and seq (a booth retrying a refused batch records it once).
 */
export const collect: Migration = {
  id: 301,
  name: 'collect',
  sql: `
ALTER TABLE sign_facts ADD COLUMN pdfs_pending boolean NOT NULL DEFAULT false;
CREATE INDEX sign_facts_pdfs_pending ON sign_facts (booth_id, seq) WHERE pdfs_pending;
ALTER TABLE blobs ADD COLUMN quarantined boolean NOT NULL DEFAULT false;
CREATE INDEX sealed_pdfs_revision ON sealed_pdfs (package_id, project_id, document_id, sha256);
CREATE INDEX problems_booth_seq ON problems (booth_id, seq, kind) WHERE resolved_at IS NULL;
`,
};
