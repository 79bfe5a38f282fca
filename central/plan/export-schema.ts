import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../protocol/project-root.js';
import { planSchemaJson } from './schema.js';

/** Writes docs/plan.schema.json from central/plan/schema.ts (npm run docs:plan); a test compares the two. */
if (process.argv[1]?.endsWith('plan/export-schema.js')) {
  const out = join(projectRoot(), 'docs', 'plan.schema.json');
  writeFileSync(out, planSchemaJson());
  process.stdout.write(`wrote ${out}\n`);
}
