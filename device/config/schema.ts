import { Type, type Static } from '@sinclair/typebox';
import { HardwareConfig } from './sections/hardware.js';
import { FaceConfig } from './sections/face.js';
import { SignatureConfig } from './sections/signature.js';
import { DocumentsConfig } from './sections/documents.js';
import { StoreConfig } from './sections/store.js';
import { SyncConfig } from './sections/sync.js';
import { VisitConfig } from './sections/visit.js';
import { TuningConfig } from './sections/tuning.js';
import { HttpConfig } from './sections/http.js';

/**
 * The booth's one configuration file (/etc/booth/booth.json). This schema validates it at start,
 * fills defaults, generates the TypeScript type and is written to docs/config.schema.json.
 * Each feature owns its section in ./sections/.
 */
export const CONFIG_VERSION = 1;

export const BoothConfigSchema = Type.Object(
  {
    version: Type.Literal(CONFIG_VERSION, { default: CONFIG_VERSION, description: 'schema version of this file' }),
    booth: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', default: 'booth-dev' }),
        centre: Type.String({ maxLength: 200, default: '', description: 'trading centre (交易中心)' }),
        hall: Type.String({ maxLength: 200, default: '', description: 'evaluation hall' }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({
      minLength: 1,
      default: './.booth-data',
      description:
        'state directory; under systemd $STATE_DIRECTORY (/var/lib/booth) wins when this is left at its default',
    }),
    http: HttpConfig,
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    hardware: HardwareConfig,
    face: FaceConfig,
    signature: SignatureConfig,
    documents: DocumentsConfig,
    store: StoreConfig,
    sync: SyncConfig,
    visit: VisitConfig,
    tuning: TuningConfig,
  },
  { additionalProperties: false, $id: 'https://booth.local/schemas/config.json', title: 'Booth configuration' },
);

export type BoothConfig = Static<typeof BoothConfigSchema>;
export type HardwareKind = 'camera' | 'tablet' | 'leds';
