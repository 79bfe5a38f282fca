import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { IdentityPartSchema, MatchingPartSchema, SessionPackageSchema, UnlockCommandSchema } from './schema.js';
import { projectRoot } from '../project-root.js';

/**
 * The session protocol as one JSON Schema file (npm run docs:session): the package, the two
 * sealed parts (what the plaintext of "matching" and "identity" must be) and the unlock command.
 */
export function sessionSchemaJson(): string {
  const doc = Type.Object(
    {},
    {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'https://booth.local/schemas/session-protocol.json',
      title: 'Booth session protocol',
      description: 'generated from protocol/session/schema.ts; see docs/protocol.md',
      definitions: {
        SessionPackage: SessionPackageSchema,
        MatchingPart: MatchingPartSchema,
        IdentityPart: IdentityPartSchema,
        UnlockCommand: UnlockCommandSchema,
      },
      $ref: '#/definitions/SessionPackage',
    },
  );
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('session/export-schema.js')) {
  const out = join(projectRoot(), 'docs', 'session-package.schema.json');
  writeFileSync(out, sessionSchemaJson());
  process.stdout.write(`wrote ${out}\n`);
}
