import { describe, expect, it } from 'vitest';
import { containsNul, jsonParam, storable } from '../../central/db/nul.js';

describe('text for PostgreSQL without NUL (central/db/nul.ts)', () => {
  it('finds a NUL in values and keys at any depth, not the six characters of an escaped one', () => {
    expect(containsNul({ a: [1, { b: 'x' }], c: '\\u0000' })).toBe(false);
    expect(containsNul({ a: [1, { b: 'x\u0000' }] })).toBe(true);
    expect(containsNul({ a: { 'k\u0000': 1 } })).toBe(true);
    expect(containsNul(['\u0000'])).toBe(true);
    expect(containsNul(null)).toBe(false);
  });

  it('replaces each NUL with U+FFFD, in keys too; a value without one is returned as it is', () => {
    const clean = { a: ['x'], n: 1, z: null };
    expect(storable(clean)).toBe(clean);
    const dirty = { 'k\u0000': ['a\u0000b\u0000'], keep: '\\u0000', n: 2, t: true };
    expect(storable(dirty)).toEqual({ 'k\ufffd': ['a\ufffdb\ufffd'], keep: '\\u0000', n: 2, t: true });
    expect(dirty['k\u0000']).toEqual(['a\u0000b\u0000']); // the input is not changed
    expect(containsNul(JSON.parse(jsonParam(dirty)))).toBe(false); // nothing left for jsonb to refuse
    expect(JSON.parse(jsonParam(dirty))).toEqual(storable(dirty));
  });
});
