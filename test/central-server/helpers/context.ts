import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BlobFiles } from '../../../central/blobs.js';
import { parseCentralConfig } from '../../../central/config/load.js';
import type { CentralContext } from '../../../central/context.js';
import { centralPaths } from '../../../central/data-dir.js';
import { initKeys, loadKeys } from '../../../central/pki/keys.js';
import { testDb, type Backend } from './db.js';

/**
 * A central context without a service, for actions called directly (plan import, publish...):
 * keys in a temporary data dir, a fresh migrated database on the chosen backend, and a clock the
 * test moves.
 */
export interface TestContext {
  ctx: CentralContext;
  clock: { ms: number; now(): number };
  dataDir: string;
  close(): Promise<void>;
}

export async function testContext(
  backend: Backend,
  o: { now?: number; raw?: Record<string, unknown> } = {},
): Promise<TestContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'central-ctx-'));
  const config = parseCentralConfig({ dataDir, log: { level: 'silent' }, ...o.raw }, 'test config', {}, {});
  await initKeys(dataDir, { centreName: config.centre.name, serverNames: config.server.names });
  const t = await testDb(backend);
  const clock = {
    ms: o.now ?? Date.parse('2026-12-06T12:00:00Z'),
    now() {
      return this.ms;
    },
  };
  const paths = centralPaths(dataDir);
  const ctx: CentralContext = {
    config,
    db: t.db,
    keys: await loadKeys(dataDir),
    paths,
    blobs: new BlobFiles(paths.blobs),
    clock,
    log: pino({ level: 'silent' }),
  };
  return {
    ctx,
    clock,
    dataDir,
    async close() {
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
