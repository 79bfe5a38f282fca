import { describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import { makeTemplate, readTemplate, RECIPE, type ModelVersion } from '../../../device/face/template.js';

const version: ModelVersion = { id: 'faceplugin/fr_feature.onnx', sha256: 'a'.repeat(64), recipe: RECIPE };
const source = { eyeDistance: 80, detectorScore: 0.99, padded: false };

function vector(seed: number): Float32Array {
  return Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * seed + 1));
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('templates', () => {
  it('round-trips a normalised embedding through JSON', () => {
    const t = makeTemplate(vector(0.3), version, source);
    const back = readTemplate(JSON.parse(JSON.stringify(t)), version);
    const norm = Math.hypot(...back);
    expect(norm).toBeCloseTo(1, 5);
    const v = vector(0.3);
    const n = Math.hypot(...v);
    back.forEach((x, i) => expect(x).toBeCloseTo(v[i]! / n, 6));
  });

  it('refuses a template of another model version with a re-enrol hint', () => {
    const t = makeTemplate(vector(0.3), { ...version, sha256: 'b'.repeat(64) }, source);
    const err = thrown(() => readTemplate(t, version));
    expect(isBoothError(err, 'BOOTH_ERR_FACE_TEMPLATE_VERSION')).toBe(true);
    expect((err as Error).message).toMatch(/re-enrol/);
    const otherRecipe = makeTemplate(vector(0.3), { ...version, recipe: 'older' }, source);
    expect(
      isBoothError(
        thrown(() => readTemplate(otherRecipe, version)),
        'BOOTH_ERR_FACE_TEMPLATE_VERSION',
      ),
    ).toBe(true);
  });

  it.each<[string, (t: Record<string, unknown>) => unknown]>([
    ['not an object', () => 'hello'],
    ['a missing field', (t) => ({ ...t, embedding: undefined })],
    ['an unknown field', (t) => ({ ...t, image: 'AAAA' })],
    ['a short embedding', (t) => ({ ...t, embedding: Buffer.alloc(100).toString('base64') })],
    ['a non-unit embedding', (t) => ({ ...t, embedding: Buffer.alloc(2048, 1).toString('base64') })],
  ])('refuses %s as invalid', (_name, mutate) => {
    const t = makeTemplate(vector(0.7), version, source) as unknown as Record<string, unknown>;
    expect(
      isBoothError(
        thrown(() => readTemplate(mutate(t), version)),
        'BOOTH_ERR_FACE_TEMPLATE_INVALID',
      ),
    ).toBe(true);
  });
});
