import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../../protocol/validate.js';
import { ManifestSchema } from '../../../protocol/channel.js';
import { UnlockCommandSchema } from '../../../protocol/session/schema.js';

/**
 * The channel manifest carries the command schemas, which have their own $id. Compiled first (the
 * booth's channel client loads before protocol/session/commands.ts), it registered those ids, and
 * compiling a command schema afterwards threw "schema with key or id ... already exists".
 * This file imports nothing that compiles a command schema, so the order is the failing one.
 */
describe('validators of schemas with an $id', () => {
  it('compile in any order: the manifest first, then a command it contains', () => {
    const manifest = compileValidator(ManifestSchema);
    const unlock = compileValidator(UnlockCommandSchema);
    expect(unlock.check({ type: 'unlock' }).ok).toBe(false);
    expect(manifest.check({ boothId: 'b1', serverTime: 1, packages: [], commands: [] })).toEqual({ ok: true });
  });
});
