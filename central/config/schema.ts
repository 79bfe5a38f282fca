import { Type, type Static } from '@sinclair/typebox';
import { AdminConfig, ServerConfig } from './sections/server.js';
import { EnrollmentConfig } from './sections/enrollment.js';
import { PackagesConfig } from './sections/packages.js';
import { CollectConfig } from './sections/collect.js';

/**
 * The central server's one configuration file (/etc/booth-central/central.json, or
 * BOOTH_CENTRAL_CONFIG, or --config). This schema validates it, fills defaults, gives the type and
 * is written to docs/central-config.schema.json. Each feature owns its section in ./sections/.
 */
export const CENTRAL_CONFIG_VERSION = 1;

export const CentralConfigSchema = Type.Object(
  {
    version: Type.Literal(CENTRAL_CONFIG_VERSION, { default: CENTRAL_CONFIG_VERSION }),
    centre: Type.Object(
      {
        name: Type.String({
          maxLength: 200,
          default: '公共资源交易中心',
          description: 'trading centre (交易中心), printed in packages',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({
      minLength: 1,
      default: './.central-data',
      description:
        'keys, the embedded database, published and sealed PDFs; under systemd $STATE_DIRECTORY wins when left at its default',
    }),
    databaseUrl: Type.String({
      default: '',
      description:
        'postgresql://... ; empty = the DATABASE_URL environment variable, else an embedded PGlite in <dataDir>/db',
    }),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    server: ServerConfig,
    admin: AdminConfig,
    enrollment: EnrollmentConfig,
    packages: PackagesConfig,
    collect: CollectConfig,
  },
  {
    additionalProperties: false,
    $id: 'https://booth.local/schemas/central-config.json',
    title: 'Central server configuration',
  },
);

export type CentralConfig = Static<typeof CentralConfigSchema>;
