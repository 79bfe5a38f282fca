import { Type, type Static } from '@sinclair/typebox';

/**
 * Settings of the tuning feature (device/tuning/): the embedded Node-RED and the live tunables.
 * Owned by that feature; every field has a default. docs/tuning.md explains each one.
 */

/** A site range narrower than the config schema's own bounds (the schema is the outer fence). */
export const TuningLimit = Type.Object(
  {
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    minItems: Type.Optional(
      Type.Integer({ minimum: 0, description: 'for a list (challenge kinds): at least this many' }),
    ),
  },
  { additionalProperties: false },
);

/** A security-relevant range: both bounds always set; overriding one keeps the other's default. */
const range = (minimum: number, maximum: number, description: string) =>
  Type.Object(
    { minimum: Type.Number({ default: minimum }), maximum: Type.Number({ default: maximum }) },
    { additionalProperties: false, default: {}, description },
  );

/**
 * Site limits of every security-relevant tunable, always in force (issue 15): a flow cannot
 * weaken verification beyond them. The defaults are generous ranges around the evaluated
 * values (docs/face.md); the security officer may narrow or widen them in the config file.
 * The visit's attempts, lockout and frames to decide are not tunable yet (the visit computes
 * its policy at start); their limits apply as soon as they join the catalogue.
 */
export const SECURITY_LIMITS = {
  'face.match.threshold': range(0.25, 0.6, 'cosine similarity a match must exceed'),
  'face.match.margin': range(0.02, 0.3, 'best identity over the second best'),
  // Under about 36 px of eye distance the face box is under 80 px and the screen cue has no patch.
  'face.quality.minEyeDistance': range(36, 200, 'pixels between the eyes of a usable face'),
  'face.liveness.threshold': range(0.3, 0.9, 'median real probability'),
  'face.liveness.minFrames': range(2, 10, 'frames the passive liveness decides on'),
  'face.liveness.screenPeakMax': range(80, 400, 'moiré peak a face frame may show (screen replay cue)'),
  'face.challenge.livenessMin': range(0.1, 0.9, 'median real probability with the challenge on'),
  'face.challenge.windowMs': range(2000, 10_000, 'time to perform the challenge'),
  'face.challenge.turnYaw': range(8, 30, 'degrees a head turn must reach'),
  'face.challenge.kinds': Type.Object(
    { minItems: Type.Integer({ minimum: 1, maximum: 3, default: 1 }) },
    { additionalProperties: false, default: {}, description: 'challenge kinds a booth draws from' },
  ),
  'visit.framesToDecide': range(2, 10, 'frames that must agree before verified or rejected'),
  'visit.maxAttempts': range(2, 5, 'failed verifications before the lockout'),
  'visit.lockoutMs': range(60_000, 900_000, 'staff takeover after the last failed attempt'),
} as const;

export type SecurityTunableKey = keyof typeof SECURITY_LIMITS;

export const TuningConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'start the embedded Node-RED (adds ~75-120 MB RSS and 1.5-3 s to start); tunables work without it',
    }),
    host: Type.Union([Type.Literal('127.0.0.1'), Type.Literal('::1')], {
      default: '127.0.0.1',
      description: 'the editor listens on loopback only (reach it through an SSH tunnel)',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1880, description: 'loopback port of /tuning' }),
    path: Type.String({
      pattern: '^/[a-z0-9-]+$',
      default: '/tuning',
      description: 'editor and admin API prefix; http-in nodes live under <path>/api',
    }),
    user: Type.String({
      pattern: '^[a-z][a-z0-9_-]{0,31}$',
      default: 'technician',
      description: 'editor login; its password (scrypt hash) and the credential secret are set by `booth provision`',
    }),
    limits: Type.Object(SECURITY_LIMITS, {
      additionalProperties: TuningLimit,
      default: {},
      description:
        'site ranges per tunable key, inside the schema bounds; a flow cannot move a value outside them. ' +
        'The security-relevant keys always have one (defaults in docs/tuning.md); others may be added. ' +
        'Set by the site security officer in this file, never from Node-RED',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type TuningSettings = Static<typeof TuningConfig>;
