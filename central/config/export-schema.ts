import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../protocol/project-root.js';
import { CentralConfigSchema } from './schema.js';

/** `npm run docs:central-config`: writes docs/central-config.schema.json from the configuration schema. */
export function centralConfigSchemaJson(): string {
  return `${JSON.stringify(CentralConfigSchema, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('config/export-schema.js') && process.argv[1].includes('central')) {
  const target = process.argv[2] ?? join(projectRoot(), 'docs', 'central-config.schema.json');
  await writeFile(target, centralConfigSchemaJson());
  console.log(`wrote ${target}`);
}
