import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of the signature feature (device/signature/). Owned by that feature; every field has
 * a default. The reasons for the validity defaults are in docs/signature.md.
 */
export const SignatureValidityConfig = Type.Object(
  {
    dotMm: Type.Number({
      minimum: 0,
      maximum: 50,
      default: 1,
      description: 'all pen-down samples within this many mm of each other = a dot',
    }),
    minSamples: Type.Integer({ minimum: 1, maximum: 10_000, default: 25, description: 'pen-down samples at least' }),
    minStrokeSamples: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 5,
      description: 'at least one stroke must have this many samples',
    }),
    minInkMm: Type.Number({ minimum: 0, maximum: 1000, default: 15, description: 'total ink length at least (mm)' }),
    minBoxRatio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description: 'ink bounding box: its larger side relative to the same side of the active area, at least',
    }),
    minPenDownMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 300, description: 'pen-down time at least' }),
  },
  { additionalProperties: false, default: {} },
);

export const SignatureRenderConfig = Type.Object(
  {
    color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$', default: '#000000', description: 'ink colour' }),
    minWidthMm: Type.Number({ minimum: 0.05, maximum: 5, default: 0.25, description: 'stroke width at no pressure' }),
    maxWidthMm: Type.Number({ minimum: 0.05, maximum: 10, default: 0.9, description: 'stroke width at full pressure' }),
    dpi: Type.Integer({ minimum: 36, maximum: 2400, default: 300, description: 'PNG resolution for stamping' }),
  },
  { additionalProperties: false, default: {} },
);

export const SignatureConfig = Type.Object(
  {
    protocol: Type.Union([Type.Literal('isdv4'), Type.Literal('protocol4')], {
      default: 'isdv4',
      description: 'serial protocol of the tablet',
    }),
    pointsPerMm: Type.Number({
      exclusiveMinimum: 0,
      maximum: 10_000,
      default: 100,
      description: 'tablet resolution; ISDV4 does not report it (100 points per mm is the usual pitch)',
    }),
    maxX: Type.Integer({
      minimum: 1,
      maximum: 65_535,
      default: 26_202,
      description: 'used when the tablet does not answer the maxima query',
    }),
    maxY: Type.Integer({ minimum: 1, maximum: 65_535, default: 16_325, description: 'as maxX' }),
    maxPressure: Type.Integer({ minimum: 1, maximum: 1023, default: 1023, description: 'as maxX' }),
    settleMs: Type.Integer({
      minimum: 0,
      maximum: 5000,
      default: 250,
      description: 'wait after the stop command before flushing',
    }),
    queryTimeoutMs: Type.Integer({
      minimum: 10,
      maximum: 10_000,
      default: 1000,
      description: 'wait for the maxima reply',
    }),
    timeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 65_000,
      default: 60_000,
      description: 'a signature not finished within this time is discarded (19794-7 time channel holds 65.5 s)',
    }),
    validity: SignatureValidityConfig,
    render: SignatureRenderConfig,
  },
  { additionalProperties: false, default: {} },
);

export type SignatureSettings = Static<typeof SignatureConfig>;
export type ValidityRules = Static<typeof SignatureValidityConfig>;
export type RenderSettings = Static<typeof SignatureRenderConfig>;
