import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../protocol/project-root.js';
import { centralOpenApi } from './openapi.js';

/** `npm run docs:central-api`: writes docs/openapi-central.json from the route tables and the operations. */
const target = process.argv[2] ?? join(projectRoot(), 'docs', 'openapi-central.json');
await writeFile(target, JSON.stringify(centralOpenApi(), null, 2) + '\n');
console.log(`wrote ${target}`);
