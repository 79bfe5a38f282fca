import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../../protocol/validate.js';
import { isBoothError } from '../../../protocol/errors.js';
import { FaceConfig } from '../../../device/config/sections/face.js';

const validator = compileValidator(FaceConfig, { defaults: true, code: 'BOOTH_ERR_CONFIG_INVALID' });

describe('face config section', () => {
  it('fills every default, with spinning off and the evaluated threshold', () => {
    const s = validator.parse({});
    expect(s.runtime).toMatchObject({ threads: 2, allowSpinning: false });
    expect(s.match).toMatchObject({ threshold: 0.42, margin: 0.1 });
    expect(s.liveness).toMatchObject({ realIndex: 0, eyeOpenIndex: 1 });
    expect(s.challenge.kinds).toEqual(['blink', 'turn-left', 'turn-right']);
  });

  it('names each bad field and what was expected', () => {
    let err: unknown;
    try {
      validator.parse({ match: { threshold: 3 }, runtime: { threads: 0 }, detect: { several: 'maybe' } });
    } catch (e) {
      err = e;
    }
    expect(isBoothError(err, 'BOOTH_ERR_CONFIG_INVALID')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toMatch(/\/match\/threshold: expected a number <= 1/);
    expect(msg).toMatch(/\/runtime\/threads: expected a number >= 1/);
    expect(msg).toMatch(/\/detect\/several/);
  });
});
