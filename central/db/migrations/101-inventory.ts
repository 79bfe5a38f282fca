import type { Migration } from '../migrate.js';

/**
 * Inventory and enrollment (central/inventory/): why a certificate was revoked (the booth was
 * revoked, or a later enrollment superseded it: both go on the CRL) and what the booth reported
 * about its hardware when it enrolled (never secrets).
 */
export const inventory: Migration = {
  id: 101,
  name: 'inventory',
  sql: `
ALTER TABLE booth_certificates ADD COLUMN revoke_reason text;
ALTER TABLE booth_certificates ADD COLUMN hardware jsonb;
CREATE INDEX booth_certificates_revoked ON booth_certificates (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX enroll_tokens_booth ON enroll_tokens (booth_id);
`,
};
