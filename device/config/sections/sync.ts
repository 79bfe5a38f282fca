import { Type } from '@sinclair/typebox';
import { HostName } from './http.js';

/** Settings of the sync feature (device/sync/). Owned by that feature; every field has a default. */
export const SyncConfig = Type.Object(
  {
    centralCaFile: Type.String({
      default: '',
      description:
        'PEM of the central CA (pinned); empty = <dataDir>/identity/central-ca.pem. Sync stays off without it',
    }),
    centralCaFingerprint256: Type.String({
      default: '',
      description:
        'when set, the central CA file must have this SHA-256 fingerprint (AA:BB:...) or sync refuses to start',
    }),
    centralClientNames: Type.Array(Type.String({ minLength: 1 }), {
      default: ['central'],
      description: 'common names of client certificates (issued by the central CA) allowed to pull and ack',
    }),
    push: Type.Object(
      {
        url: Type.String({ default: '', description: 'https://central/sync/v1/push; empty = push disabled' }),
        maxRecords: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
        maxBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
        requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
        backoffBaseMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
        backoffMaxMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 300_000 }),
        idlePollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    channel: Type.Object(
      {
        url: Type.String({
          default: '',
          description:
            'https://central:port of the package channel (docs/channel.md); empty = no channel: packages only from a USB stick over the loopback route',
        }),
        pollMs: Type.Integer({
          minimum: 1000,
          maximum: 24 * 3_600_000,
          default: 180_000,
          description: 'how often the booth asks for its manifest (also at start and at each held package unlockAt)',
        }),
        maxPackageBytes: Type.Integer({
          minimum: 64 * 1024,
          maximum: 1024 * 1024 * 1024,
          default: 16 * 1024 * 1024,
          description: 'a package body above this is refused (413 BOOTH_ERR_PAYLOAD_TOO_LARGE on the loopback route)',
        }),
        maxDocumentBytes: Type.Integer({
          minimum: 64 * 1024,
          maximum: 4 * 1024 * 1024 * 1024,
          default: 200 * 1024 * 1024,
          description: 'a document fetched by url above this is refused (the package is not installed)',
        }),
        requestTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 30_000,
          description: 'a request with no byte received for this long is abandoned (bodies resume where they stopped)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    pull: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({
          ...HostName,
          default: '0.0.0.0',
          description: 'the pull API listens here (mutual TLS only; the central server must reach it)',
        }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
        maxLimit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    alertUnsentAgeMs: Type.Integer({
      minimum: 1000,
      default: 24 * 3_600_000,
      description: 'an alert (event + LED) when the oldest unacknowledged record is older than this',
    }),
  },
  { additionalProperties: false, default: {} },
);
