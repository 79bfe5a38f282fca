import type { Migration } from '../migrate.js';

/**
 * The day plan and publishing (central/plan/, central/publish/), on top of 001:
 *  - plans: how many rows each table got and the import's warnings, for `status` and the operator;
 *  - plan_projects.booth_explicit: whether the plan named the booth or the room's only booth was taken;
 *  - plan_documents: the PDF's size and where its places came from (a file, places.csv, form fields);
 *  - commands.not_before: a command is delivered from this instant on (`unlock --at`), and
 *    issued_at (what the signed body says) so the manifest can drop what a booth would refuse;
 *  - indexes the package channel reads by: documents by sha256, commands due per booth.
 */
export const planPublish: Migration = {
  id: 200,
  name: 'plan-publish',
  sql: `
ALTER TABLE plans ADD COLUMN counts jsonb NOT NULL DEFAULT '{}';
ALTER TABLE plans ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
ALTER TABLE plan_projects ADD COLUMN booth_explicit boolean NOT NULL DEFAULT false;
ALTER TABLE plan_documents ADD COLUMN size bigint NOT NULL DEFAULT 0;
ALTER TABLE plan_documents ADD COLUMN places_source text NOT NULL DEFAULT 'form';
CREATE INDEX plan_projects_booth ON plan_projects (date, booth_id);
CREATE INDEX package_documents_sha256 ON package_documents (sha256);
ALTER TABLE commands ADD COLUMN not_before timestamptz NOT NULL DEFAULT now();
ALTER TABLE commands ADD COLUMN issued_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX commands_due ON commands (booth_id, not_before);
`,
};
