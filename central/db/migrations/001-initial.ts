import type { Migration } from '../migrate.js';

/**
 * The first schema (docs/central.md, "Database"): inventory, the day plan, published packages
 * and commands, the collected ledger with its blobs and problems, and the facts the reports read.
 * Times are timestamptz (UTC instants); plan dates are the centre's local dates.
 */
export const initial: Migration = {
  id: 1,
  name: 'initial',
  sql: `
-- Inventory: booths, their certificates, one-time enrollment tokens.
CREATE TABLE booths (
  id text PRIMARY KEY,
  room text NOT NULL,
  centre text NOT NULL DEFAULT '',
  hall text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoke_reason text,
  pull_url text,
  last_contact_at timestamptz,
  last_address text
);
CREATE TABLE booth_certificates (
  serial text PRIMARY KEY,
  booth_id text NOT NULL REFERENCES booths (id),
  key_id text NOT NULL,
  public_key_pem text NOT NULL,
  cert_pem text NOT NULL,
  fingerprint256 text NOT NULL,
  issued_at timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX booth_certificates_booth ON booth_certificates (booth_id);
CREATE TABLE enroll_tokens (
  token_hash text PRIMARY KEY,
  booth_id text NOT NULL REFERENCES booths (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_key_id text,
  used_at timestamptz,
  cert_serial text
);

-- The day plan (the expert draw), as imported.
CREATE TABLE plans (
  date date PRIMARY KEY,
  revision integer NOT NULL,
  imported_at timestamptz NOT NULL,
  source text NOT NULL,
  sha256 text NOT NULL
);
CREATE TABLE experts (
  id text PRIMARY KEY,
  name text NOT NULL,
  id_number text NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE expert_photos (
  expert_id text NOT NULL REFERENCES experts (id) ON DELETE CASCADE,
  sha256 text NOT NULL,
  jpeg bytea NOT NULL,
  PRIMARY KEY (expert_id, sha256)
);
CREATE TABLE plan_rooms (
  date date NOT NULL,
  room text NOT NULL,
  booth_id text NOT NULL,
  PRIMARY KEY (date, room, booth_id)
);
CREATE TABLE plan_projects (
  date date NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  section text NOT NULL,
  room text NOT NULL,
  booth_id text NOT NULL,
  scheduled_start timestamptz NOT NULL,
  PRIMARY KEY (date, id)
);
CREATE TABLE plan_documents (
  date date NOT NULL,
  project_id text NOT NULL,
  id text NOT NULL,
  title text NOT NULL,
  sha256 text NOT NULL,
  places jsonb,
  PRIMARY KEY (date, project_id, id)
);
CREATE TABLE plan_assignments (
  date date NOT NULL,
  project_id text NOT NULL,
  expert_id text NOT NULL,
  seat integer NOT NULL,
  scheduled_sign_in timestamptz NOT NULL,
  PRIMARY KEY (date, project_id, expert_id),
  UNIQUE (date, project_id, seat)
);
CREATE INDEX plan_assignments_expert ON plan_assignments (expert_id, date);
CREATE TABLE plan_staff (
  date date NOT NULL,
  id text NOT NULL,
  pin_salt text NOT NULL,
  pin_hash text NOT NULL,
  PRIMARY KEY (date, id)
);

-- Content-addressed files under <dataDir>/blobs: published PDFs and sealed revisions.
CREATE TABLE blobs (
  id text PRIMARY KEY,
  sha256 text,
  size bigint NOT NULL,
  received bigint NOT NULL DEFAULT 0,
  complete boolean NOT NULL DEFAULT false,
  kind text NOT NULL CHECK (kind IN ('published', 'sealed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX blobs_sha256 ON blobs (sha256);

-- Publishing: one package per booth per day, every version kept; signed commands per booth.
CREATE TABLE packages (
  package_id text NOT NULL,
  version integer NOT NULL,
  booth_id text NOT NULL REFERENCES booths (id),
  date date NOT NULL,
  sha256 text NOT NULL,
  size bigint NOT NULL,
  body bytea NOT NULL,
  unlock_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  PRIMARY KEY (package_id, version)
);
CREATE INDEX packages_booth_date ON packages (booth_id, date);
CREATE TABLE package_documents (
  package_id text NOT NULL,
  version integer NOT NULL,
  project_id text NOT NULL,
  document_id text NOT NULL,
  sha256 text NOT NULL,
  PRIMARY KEY (package_id, version, project_id, document_id)
);
CREATE TABLE commands (
  id bigserial PRIMARY KEY,
  booth_id text NOT NULL REFERENCES booths (id),
  type text NOT NULL,
  package_id text,
  version integer,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX commands_booth ON commands (booth_id, id);
CREATE TABLE booth_package_states (
  booth_id text NOT NULL,
  package_id text NOT NULL,
  version integer NOT NULL,
  state text NOT NULL,
  reason text,
  message text,
  at timestamptz NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booth_id, package_id, version, state)
);

-- The ledger: every verified record of every booth exactly once, in chain order.
CREATE TABLE chain_heads (
  booth_id text PRIMARY KEY REFERENCES booths (id),
  last_seq bigint NOT NULL,
  last_hash text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE records (
  booth_id text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  kind text NOT NULL,
  wall timestamptz NOT NULL,
  clock_synced boolean NOT NULL,
  payload jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  signature text NOT NULL,
  status text NOT NULL CHECK (status IN ('stored', 'rejected')),
  reason text,
  via text NOT NULL CHECK (via IN ('push', 'pull')),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booth_id, seq)
);
CREATE TABLE sealed_pdfs (
  blob_id text PRIMARY KEY,
  sha256 text NOT NULL,
  booth_id text NOT NULL,
  seq bigint NOT NULL,
  sign_id text NOT NULL,
  package_id text NOT NULL,
  project_id text NOT NULL,
  document_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('valid', 'flagged')),
  problems jsonb NOT NULL DEFAULT '[]',
  checked_at timestamptz NOT NULL
);
CREATE TABLE problems (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  booth_id text,
  seq bigint,
  kind text NOT NULL,
  detail text NOT NULL,
  resolved_at timestamptz
);
CREATE INDEX problems_open ON problems (at) WHERE resolved_at IS NULL;
CREATE TABLE pull_state (
  booth_id text PRIMARY KEY REFERENCES booths (id),
  next_at timestamptz,
  failures integer NOT NULL DEFAULT 0,
  last_error text,
  last_success_at timestamptz
);

-- Facts the reports read, written with the records they come from (same transaction).
CREATE TABLE sign_facts (
  booth_id text NOT NULL,
  seq bigint NOT NULL,
  date date NOT NULL,
  package_id text NOT NULL,
  package_version integer NOT NULL,
  sign_id text NOT NULL,
  expert_id text NOT NULL,
  project_id text NOT NULL,
  seat integer NOT NULL,
  action text NOT NULL,
  method text NOT NULL,
  scheduled_sign_in timestamptz,
  signed_in_at timestamptz,
  late_minutes integer,
  clock_synced boolean NOT NULL,
  witness_staff_id text,
  override_staff_id text,
  documents jsonb NOT NULL,
  sealed_at timestamptz,
  PRIMARY KEY (booth_id, seq)
);
CREATE INDEX sign_facts_date_project ON sign_facts (date, project_id);
CREATE INDEX sign_facts_expert ON sign_facts (expert_id, date);
CREATE TABLE no_show_facts (
  booth_id text NOT NULL,
  seq bigint NOT NULL,
  date date NOT NULL,
  package_id text NOT NULL,
  package_version integer NOT NULL,
  expert_id text NOT NULL,
  project_id text NOT NULL,
  seat integer NOT NULL,
  cause text NOT NULL,
  closed_at timestamptz NOT NULL,
  PRIMARY KEY (booth_id, seq)
);
CREATE INDEX no_show_facts_date ON no_show_facts (date, project_id);
CREATE TABLE visit_facts (
  booth_id text NOT NULL,
  seq bigint NOT NULL,
  date date,
  package_id text,
  expert_id text,
  project_id text,
  outcome text NOT NULL,
  method text,
  attempts integer NOT NULL,
  started_at timestamptz,
  left_at timestamptz,
  PRIMARY KEY (booth_id, seq)
);
CREATE INDEX visit_facts_expert ON visit_facts (expert_id, date);
`,
};
