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
  },
  { additionalProperties: false },
);

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
    limits: Type.Record(Type.String(), TuningLimit, {
      default: { 'face.match.threshold': { minimum: 0.25, maximum: 0.6 } },
      description:
        'site ranges per tunable key, inside the schema bounds; a flow cannot move a value outside them. ' +
        'Set by the site security officer in this file, never from Node-RED',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type TuningSettings = Static<typeof TuningConfig>;
