import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, from sources (protocol/) or compiled files (dist/protocol/). */
export function projectRoot(): string {
  const parent = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return parent.endsWith('/dist') ? dirname(parent) : parent;
}
