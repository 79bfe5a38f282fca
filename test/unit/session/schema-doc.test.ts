import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { resolve } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { sessionSchemaJson } from '../../../protocol/session/export-schema.js';
import { buildDemoPackage } from '../../../device/session/demo.js';
import { canonicalJson } from '../../../protocol/session/canonical.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('docs/session-package.schema.json', () => {
  it('is the schema the booth validates with (run `npm run docs:session` after changing it)', () => {
    // Compared as data: prettier owns the file's layout.
    expect(JSON.parse(readFileSync('docs/session-package.schema.json', 'utf8'))).toEqual(
      JSON.parse(sessionSchemaJson()),
    );
  });

  it('accepts the demo package when used on its own by a standard validator', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkg = await buildDemoPackage({
      fixturesDir: resolve('test/fixtures'),
      boothId: 'booth-1',
      boothPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      now: Date.parse('2026-11-26T02:00:00Z'),
    });
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const validate = ajv.compile(JSON.parse(readFileSync('docs/session-package.schema.json', 'utf8')) as object);
    expect(validate(pkg), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...pkg, booths: [] })).toBe(false);
  });
});

describe('canonical JSON', () => {
  it('sorts keys by code unit, has no whitespace and refuses what has no single form', () => {
    expect(canonicalJson({ b: [1, 'x', true, null], a: { d: 0, c: '中"文' }, B: -3 })).toBe(
      '{"B":-3,"a":{"c":"中\\"文","d":0},"b":[1,"x",true,null]}',
    );
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ x: 1.5 })).toThrow(/safe integer/);
    expect(() => canonicalJson([Number.NaN])).toThrow(/safe integer/);
    expect(() => canonicalJson([undefined])).toThrow(/canonical form/);
  });
});
