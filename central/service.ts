import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { writeFileDurable } from '../protocol/crypto/key-files.js';
import { rm } from 'node:fs/promises';
import type { CentralConfig } from './config/schema.js';
import type { CentralContext } from './context.js';
import { centralFeatures, type CentralFeature } from './features.js';
import { buildAdminServer } from './http/admin-server.js';
import { buildBoothServer } from './http/booth-server.js';
import { acquireLock, processStartTime } from './lock.js';
import { openContext } from './open-context.js';
import { OPS } from './ops/index.js';

/**
 * `booth-central start`: the booth-facing HTTPS listener (mutual TLS), the loopback admin API and
 * the background features (the pull scheduler), over one database. Started in order, stopped in
 * reverse; `run.json` tells `booth-central` commands where the admin API is while it runs.
 */
export interface RunInfo {
  pid: number;
  startTime: string | null;
  adminUrl: string;
  boothUrl: string;
}

export class CentralService {
  ctx: (CentralContext & { close(): Promise<void> }) | null = null;
  boothApp: FastifyInstance | null = null;
  adminApp: FastifyInstance | null = null;
  boothUrl: string | null = null;
  adminUrl: string | null = null;
  private release: (() => Promise<void>) | null = null;
  private started: CentralFeature[] = [];

  constructor(
    private readonly o: {
      config: CentralConfig;
      log: Logger;
      clock?: CentralContext['clock'];
      features?: CentralFeature[];
    },
  ) {}

  async start(): Promise<void> {
    const { config, log } = this.o;
    this.release = await acquireLock(`${config.dataDir}/central.lock`);
    try {
      const ctx = await openContext(config, log, this.o.clock);
      this.ctx = ctx;
      const features = this.o.features ?? centralFeatures();
      this.boothApp = await buildBoothServer(
        ctx,
        features.flatMap((f) => (f.boothRoutes ? [f.boothRoutes] : [])),
      );
      this.boothUrl = await this.boothApp.listen({ host: config.server.host, port: config.server.port });
      this.adminApp = await buildAdminServer(ctx, OPS);
      this.adminUrl = await this.adminApp.listen({ host: config.admin.host, port: config.admin.port });
      const run: RunInfo = {
        pid: process.pid,
        startTime: await processStartTime(process.pid),
        adminUrl: this.adminUrl,
        boothUrl: this.boothUrl,
      };
      await writeFileDurable(ctx.paths.run, JSON.stringify(run), 0o600);
      for (const f of features) {
        await f.start?.(ctx);
        this.started.push(f);
      }
      log.info({ booth: this.boothUrl, admin: this.adminUrl, database: ctx.db.describe }, 'central service ready');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    for (const f of this.started.reverse())
      await f.stop?.().catch((err: unknown) => this.o.log.warn({ err }, `${f.name}: stop failed`));
    this.started = [];
    await this.boothApp?.close();
    await this.adminApp?.close();
    this.boothApp = this.adminApp = null;
    if (this.ctx) await rm(this.ctx.paths.run, { force: true });
    await this.ctx?.close();
    this.ctx = null;
    await this.release?.();
    this.release = null;
  }
}
