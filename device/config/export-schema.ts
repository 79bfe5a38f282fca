import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BoothConfigSchema } from './schema.js';
import { projectDir } from '../paths.js';

/** The config schema as the JSON Schema file in docs/ (npm run docs:config). */
export function configSchemaJson(): string {
  return `${JSON.stringify(BoothConfigSchema, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('export-schema.js')) {
  const out = join(projectDir(), 'docs', 'config.schema.json');
  writeFileSync(out, configSchemaJson());
  process.stdout.write(`wrote ${out}\n`);
}
