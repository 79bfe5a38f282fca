import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseCentralConfig } from '../../../central/config/load.js';
import type { CentralConfig } from '../../../central/config/schema.js';
import type { CentralFeature } from '../../../central/features.js';
import { initKeys } from '../../../central/pki/keys.js';
import { CentralService } from '../../../central/service.js';
import { freshPostgresDatabase, type Backend } from './db.js';

/**
 * A real central service for a test: keys in a temporary data dir, the chosen database (PGlite
 * in that dir, or a fresh database on the PostgreSQL server), both listeners on loopback ports
 * chosen by the system. `raw` merges into the configuration file's content.
 */
export interface TestCentral {
  service: CentralService;
  config: CentralConfig;
  dataDir: string;
  /** https://localhost:<port> of the booth-facing listener. */
  boothUrl: string;
  adminUrl: string;
  /** Stops the service and starts a new one on the same data dir and database (new ports). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCentral(
  backend: Backend,
  o: { raw?: Record<string, unknown>; features?: CentralFeature[]; clock?: { now(): number } } = {},
): Promise<TestCentral> {
  const dataDir = await mkdtemp(join(tmpdir(), 'central-'));
  const pgDb = backend === 'postgres' ? await freshPostgresDatabase() : null;
  const config = parseCentralConfig(
    {
      dataDir,
      databaseUrl: pgDb?.url ?? '',
      server: { host: '127.0.0.1', port: 0, names: ['localhost', '127.0.0.1'] },
      admin: { port: 0 },
      log: { level: 'silent' },
      ...o.raw,
    },
    'test config',
    {},
    {},
  );
  await initKeys(dataDir, { centreName: config.centre.name, serverNames: config.server.names });
  const launch = async () => {
    const s = new CentralService({
      config,
      log: pino({ level: 'silent' }),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.features ? { features: o.features } : {}),
    });
    await s.start();
    return s;
  };
  const t: TestCentral = {
    service: await launch(),
    config,
    dataDir,
    boothUrl: '',
    adminUrl: '',
    async restart() {
      await t.service.stop();
      t.service = await launch();
      urls();
    },
    async stop() {
      await t.service.stop();
      await pgDb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  const urls = () => {
    t.boothUrl = `https://localhost:${new URL(t.service.boothUrl ?? '').port}`;
    t.adminUrl = t.service.adminUrl ?? '';
  };
  urls();
  return t;
}
