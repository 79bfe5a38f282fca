import { Type } from '@sinclair/typebox';

/** The booth-facing HTTPS listener (mutual TLS: enrollment, push, blobs, package channel). */
export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'the booth-facing listener binds here' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    names: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      minItems: 1,
      default: ['localhost', '127.0.0.1'],
      description: 'DNS names and IP addresses booths use to reach this server (its certificate names them)',
    }),
    publicUrl: Type.String({
      default: '',
      description: 'the URL booths are told at enrollment; empty = https://<first name>:<port>',
    }),
    bodyLimitBytes: Type.Integer({ minimum: 65_536, maximum: 1024 * 1024 * 1024, default: 16 * 1024 * 1024 }),
  },
  { additionalProperties: false, default: {} },
);

/** The admin API: loopback only, a bearer token from the data dir (the `booth-central` commands use it). */
export const AdminConfig = Type.Object(
  {
    host: Type.Union([Type.Literal('127.0.0.1'), Type.Literal('::1')], {
      default: '127.0.0.1',
      description: 'loopback only: the admin API is never on a network',
    }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8444 }),
  },
  { additionalProperties: false, default: {} },
);
