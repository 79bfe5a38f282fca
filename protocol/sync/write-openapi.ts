import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';
import { syncOpenApi } from './openapi.js';

/** `npm run docs:sync-api`: writes docs/openapi-sync.json from the route table. */
const target = process.argv[2] ?? join(projectRoot(), 'docs', 'openapi-sync.json');
await writeFile(target, JSON.stringify(syncOpenApi(), null, 2) + '\n');
console.log(`wrote ${target}`);
