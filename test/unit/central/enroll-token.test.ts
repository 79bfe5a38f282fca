import { describe, expect, it } from 'vitest';
import { parseArgs } from 'node:util';
import { TokenString } from '../../../protocol/enroll.js';
import { newEnrollToken } from '../../../central/inventory/tokens.js';
import { createEnrollment } from '../../central/enrollment.js';
import { createCentralCa } from '../../central/ca.js';
import { Value } from '@sinclair/typebox/value';

/** 0xF8 encodes to '-' in base64url (its top six bits are 62): 1 random token in 64 began so. */
const draws = (...firstBytes: number[]) => {
  const seen: number[] = [];
  const random = (n: number) => {
    const b = Buffer.alloc(n, 0x41);
    b[0] = firstBytes[seen.length] ?? 0x41;
    seen.push(b[0]);
    return b;
  };
  return { random, seen };
};

describe('enrollment tokens', () => {
  it('a token never starts with "-", so `booth provision --token TOKEN` parses (CI failed on one that did)', () => {
    const { random, seen } = draws(0xf8, 0xfb, 0x10);
    const token = newEnrollToken(random);
    expect(seen).toEqual([0xf8, 0xfb, 0x10]);
    expect(token.startsWith('-')).toBe(false);
    expect(token).toHaveLength(43);
    expect(Value.Check(TokenString, token)).toBe(true);
    const { values } = parseArgs({ args: ['--token', token], options: { token: { type: 'string' } } });
    expect(values.token).toBe(token);
    // what a leading dash did to the technician's command line
    const bad = Buffer.alloc(32, 0x41);
    bad[0] = 0xf8;
    expect(() =>
      parseArgs({ args: ['--token', bad.toString('base64url')], options: { token: { type: 'string' } } }),
    ).toThrow(/ambiguous/);
  });

  it('keeps the full 32 random bytes otherwise', () => {
    const token = newEnrollToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it("the test harness's enrollment issues tokens a command line carries too (provision.test failed on one)", async () => {
    const enrollment = createEnrollment({ ca: await createCentralCa() });
    const site = {
      booth: { id: 'b01', centre: 'centre', hall: 'hall' },
      sync: { push: { url: 'https://localhost/sync/v1/push' }, channel: { url: 'https://localhost' } },
    };
    // 1 raw base64url token in 64 starts with '-': 600 draws miss that with odds below 1 in 10^4.
    for (let i = 0; i < 600; i++) expect(enrollment.issueToken(site as never).token).not.toMatch(/^-/);
  });
});
