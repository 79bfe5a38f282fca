import { Type, type Static } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { segmentStrokes, type Signature } from './model.js';

/**
 * The raw sample stream as JSON: what `booth tablet render` reads and what the capture keeps
 * beside the 19794-7 record for forensics (hover and proximity-out samples included).
 */
export const SampleSchema = Type.Object(
  {
    t: Type.Number({ minimum: 0, description: 'ms since the first sample' }),
    x: Type.Integer({ minimum: 0, maximum: 65_535 }),
    y: Type.Integer({ minimum: 0, maximum: 65_535 }),
    pressure: Type.Integer({ minimum: 0, maximum: 65_535 }),
    tip: Type.Boolean(),
    proximity: Type.Boolean({ default: true }),
    eraser: Type.Boolean({ default: false }),
    side: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const SamplesFileSchema = Type.Object(
  {
    format: Type.Literal('booth-signature-samples/1', { default: 'booth-signature-samples/1' }),
    device: Type.Object(
      {
        protocol: Type.Union([Type.Literal('isdv4'), Type.Literal('protocol4')]),
        maxX: Type.Integer({ minimum: 1, maximum: 65_535 }),
        maxY: Type.Integer({ minimum: 1, maximum: 65_535 }),
        maxPressure: Type.Integer({ minimum: 1, maximum: 65_535 }),
        pointsPerMm: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
        version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { default: null }),
      },
      { additionalProperties: false },
    ),
    capturedAt: Type.Number({ minimum: 0, default: 0 }),
    samples: Type.Array(SampleSchema, { maxItems: 200_000 }),
  },
  { additionalProperties: false },
);

export type SamplesFile = Static<typeof SamplesFileSchema>;

const validator = compileValidator(SamplesFileSchema, { defaults: true });

/** Validates a parsed samples file (throws BOOTH_ERR_BAD_INPUT naming each bad field). */
export function parseSamplesFile(value: unknown, what = 'samples file'): Signature {
  const file = validator.parse(structuredClone(value), what);
  return {
    samples: file.samples,
    strokes: segmentStrokes(file.samples),
    device: file.device,
    capturedAt: file.capturedAt,
  };
}

export function toSamplesFile(signature: Signature): SamplesFile {
  return {
    format: 'booth-signature-samples/1',
    device: signature.device,
    capturedAt: signature.capturedAt,
    samples: signature.samples,
  };
}
