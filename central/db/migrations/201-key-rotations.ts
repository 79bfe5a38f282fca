import type { Migration } from '../migrate.js';

/**
 * Central key rotations (central/publish/key-rotation.ts): every new session or escrow key, the
 * key it replaced and the session key that signs the announcement. Every manifest carries all of
 * them, signed afresh, so a booth that was off for a week still follows the chain.
 */
export const keyRotations: Migration = {
  id: 201,
  name: 'key-rotations',
  sql: `
CREATE TABLE key_rotations (
  id bigserial PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('session', 'escrow')),
  key_id text NOT NULL,
  public_key_pem text NOT NULL,
  previous_key_id text NOT NULL,
  signer_key_id text NOT NULL,
  created_at timestamptz NOT NULL
);
`,
};
