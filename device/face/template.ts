import { Type, type Static } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';
import { l2normalise } from './match.js';

/**
 * A face template: the 512-d embedding of one face plus the exact model and recipe that made
 * it. Embeddings of different models (or a different alignment recipe) are not comparable, so
 * a template carries its version and the engine refuses a foreign one (the caller re-enrols from
 * the reference photo). Templates are the only face data that leave the engine.
 */

export const EMBEDDING_SIZE = 512;
/** Changes whenever pre-processing changes in a way that moves embeddings. */
export const RECIPE = 'arcface5-sim-112-rgb127';
export const TEMPLATE_FORMAT = 1;

export const TemplateSchema = Type.Object(
  {
    format: Type.Literal(TEMPLATE_FORMAT),
    model: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 100 }),
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        recipe: Type.String({ minLength: 1, maxLength: 100 }),
      },
      { additionalProperties: false },
    ),
    /** Little-endian float32 x 512, base64 (2,732 characters). */
    embedding: Type.String({ minLength: 10, maxLength: 4096, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
    /** Eye distance and detector score of the source face: how much to trust this template. */
    source: Type.Object(
      {
        eyeDistance: Type.Number({ minimum: 0 }),
        detectorScore: Type.Number({ minimum: 0, maximum: 1 }),
        padded: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'https://booth.local/schemas/face-template.json' },
);

export type Template = Static<typeof TemplateSchema>;

export interface ModelVersion {
  id: string;
  sha256: string;
  recipe: string;
}

const validator = compileValidator(TemplateSchema, { code: 'BOOTH_ERR_FACE_TEMPLATE_INVALID' });

export function versionLabel(v: ModelVersion): string {
  return `${v.id}@${v.sha256.slice(0, 12)}/${v.recipe}`;
}

export function makeTemplate(embedding: Float32Array, version: ModelVersion, source: Template['source']): Template {
  if (embedding.length !== EMBEDDING_SIZE)
    throw new BoothError('BOOTH_ERR_INTERNAL', `embedding has ${embedding.length} values, expected ${EMBEDDING_SIZE}`);
  const normalised = l2normalise(embedding);
  return {
    format: TEMPLATE_FORMAT,
    model: { id: version.id, sha256: version.sha256, recipe: version.recipe },
    embedding: encodeEmbedding(normalised),
    source,
  };
}

/** Little-endian on every platform, so a template moves between devices unchanged. */
function encodeEmbedding(v: Float32Array): string {
  const bytes = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}

/**
 * Validates an untrusted template (store, session package) and returns its embedding.
 * BOOTH_ERR_FACE_TEMPLATE_INVALID when malformed; BOOTH_ERR_FACE_TEMPLATE_VERSION when it was
 * made by another model or recipe (details carry both versions so the caller can re-enrol).
 */
export function readTemplate(value: unknown, expected: ModelVersion, what = 'template'): Float32Array {
  const t = validator.parse(value, what);
  if (t.model.sha256 !== expected.sha256 || t.model.id !== expected.id || t.model.recipe !== expected.recipe)
    throw new BoothError(
      'BOOTH_ERR_FACE_TEMPLATE_VERSION',
      `${what}: made by ${versionLabel(t.model)}, expected ${versionLabel(expected)}; re-enrol it from the reference photo`,
      { found: t.model, expected },
    );
  const bytes = Buffer.from(t.embedding, 'base64');
  if (bytes.length !== EMBEDDING_SIZE * 4)
    throw new BoothError(
      'BOOTH_ERR_FACE_TEMPLATE_INVALID',
      `${what}: embedding of ${bytes.length} bytes, expected ${EMBEDDING_SIZE * 4}`,
      { bytes: bytes.length },
    );
  const v = new Float32Array(EMBEDDING_SIZE);
  for (let i = 0; i < EMBEDDING_SIZE; i++) v[i] = bytes.readFloatLE(i * 4);
  let norm = 0;
  for (const x of v) norm += x * x;
  if (!Number.isFinite(norm) || Math.abs(norm - 1) > 1e-3)
    throw new BoothError('BOOTH_ERR_FACE_TEMPLATE_INVALID', `${what}: embedding is not unit length`, { norm });
  return v;
}
