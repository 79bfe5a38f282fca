import type { Migration } from '../migrate.js';

/**
 * What the reports need beyond 001 (docs/central.md, "Reports"). The plan and the sign and
 * no-show facts are already indexed by date first; the credit report also reads the visits of a
 * period: by package date, or, for a visit without one, by when it started. Without these, a
 * monthly credit export would read every visit of every year kept.
 */
export const reportIndexes: Migration = {
  id: 400,
  name: 'report-indexes',
  sql: `
CREATE INDEX visit_facts_date ON visit_facts (date);
CREATE INDEX visit_facts_undated ON visit_facts (started_at) WHERE date IS NULL;
`,
};
