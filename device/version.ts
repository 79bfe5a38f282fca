import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from './paths.js';

export const BOOTH_VERSION: string = (
  JSON.parse(readFileSync(join(projectDir(), 'package.json'), 'utf8')) as { version: string }
).version;
