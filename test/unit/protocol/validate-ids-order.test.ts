import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../../protocol/validate.js';
import { ManifestSchema } from '../../../protocol/channel.js';
import { MatchingPartSchema, SessionPackageSchema, UnlockCommandSchema } from '../../../protocol/session/schema.js';

/** The order in which the booth's modules compile them (found by bench:session-install): it threw "already exists". */
describe('validators of schemas with an $id, after the session package', () => {
  it('compile in the order the booth loads them, and twice', () => {
    compileValidator(SessionPackageSchema);
    compileValidator(ManifestSchema);
    compileValidator(MatchingPartSchema);
    expect(() => compileValidator(UnlockCommandSchema)).not.toThrow();
    expect(compileValidator(UnlockCommandSchema).check({ type: 'unlock' }).ok).toBe(false);
  });
});
