import type { Migration } from '../migrate.js';

/**
 * A record whose payload holds U+0000, which jsonb cannot store (central/db/nul.ts): `payload`
 * keeps it with U+FFFD for queries, `payload_exact` the payload as received, as JSON text, for
 * checking its hash and signature again. NULL for every other record.
 */
export const payloadExact: Migration = {
  id: 302,
  name: 'payload-exact',
  sql: `
ALTER TABLE records ADD COLUMN payload_exact text;
`,
};
