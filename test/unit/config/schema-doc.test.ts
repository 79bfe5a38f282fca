import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configSchemaJson } from '../../../device/config/export-schema.js';

describe('docs/config.schema.json', () => {
  it('is the schema the booth validates with (run `npm run docs:config` after changing it)', () => {
    expect(readFileSync('docs/config.schema.json', 'utf8')).toBe(configSchemaJson());
  });
});
