import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { SyncConfig } from '../config/sections/sync.js';
import type { EventBus } from '../core/events.js';
import type { Clock, Lifecycle } from '../core/ports.js';
import { loadOrCreateIdentity } from '../crypto/identity.js';
import { storePaths } from '../store/layout.js';
import type { JournalRecordStore } from '../store/record-store.js';
import { Outbox } from './outbox.js';
import { PullActions } from './pull-actions.js';
import { buildPullServer } from './pull-server.js';
import { PushClient } from './push-client.js';
import { PushLoop } from './push-loop.js';
import { loadSyncTls } from './tls.js';
import { SignedBlobs } from './signed-blobs.js';
import { BlobUploader } from './blob-upload.js';

export type SyncSettings = Static<typeof SyncConfig>;

export interface SyncDeps {
  dataDir: string;
  config: SyncSettings;
  store: JournalRecordStore;
  clock: Clock;
  bus: EventBus;
  logger?: Logger;
  /** Jitter source for the backoff (tests make it deterministic). */
  random?: () => number;
}

const OWNER = 'sync';

/**
 * Sync: one outbox and cursor, pushed to the central server when it is reachable and served
 * to it on the pull API. Without the central CA (booth not enrolled yet) sync stays off and
 * says so; records keep accumulating safely in the journal.
 */
export class SyncService implements Lifecycle {
  outbox: Outbox | null = null;
  pullServer: FastifyInstance | null = null;
  pullAddress: string | null = null;
  pushLoop: PushLoop | null = null;
  status = 'not started';
  private client: PushClient | null = null;
  private alertTimer: NodeJS.Timeout | null = null;
  private alertActive = false;

  constructor(private readonly d: SyncDeps) {}

  async start(): Promise<void> {
    const { config, store, clock, bus } = this.d;
    const outbox = new Outbox({ store, statePath: storePaths(this.d.dataDir).syncState, clock, bus });
    await outbox.open();
    this.outbox = outbox;
    store.ackSource = outbox;
    const signer = store.boothSigner;
    const identity = await loadOrCreateIdentity(this.d.dataDir, signer.boothId);
    const tls = await loadSyncTls(this.d.dataDir, identity, config);
    const alertEvery = Math.min(60_000, Math.max(250, Math.floor(config.alertUnsentAgeMs / 4)));
    this.alertTimer = setInterval(() => this.checkAge(), alertEvery);
    this.alertTimer.unref();
    bus.on(OWNER, 'sync.progress', () => this.checkAge());
    if (!tls) {
      this.status = 'off: no central CA yet (enroll the booth)';
      return;
    }
    if (config.pull.enabled) {
      const actions = new PullActions({
        outbox,
        signer,
        clock,
        maxBytes: config.push.maxBytes,
        maxLimit: config.pull.maxLimit,
        blobs: { named: new SignedBlobs(store), store },
      });
      this.pullServer = await buildPullServer({
        tls,
        actions,
        allowedClientNames: config.centralClientNames,
        ...(this.d.logger ? { logger: this.d.logger } : {}),
      });
      await this.pullServer.listen({ host: config.pull.host, port: config.pull.port });
      this.pullAddress = boundAddress(this.pullServer);
    }
    if (config.push.url) {
      this.client = new PushClient(new URL(config.push.url), tls, config.push.requestTimeoutMs);
      this.pushLoop = new PushLoop({
        outbox,
        client: this.client,
        blobs: new BlobUploader({ client: this.client, store, maxBytes: config.push.maxBytes }),
        signer,
        clock,
        bus,
        maxRecords: config.push.maxRecords,
        maxBytes: config.push.maxBytes,
        backoffBaseMs: config.push.backoffBaseMs,
        backoffMaxMs: config.push.backoffMaxMs,
        idlePollMs: config.push.idlePollMs,
        ...(this.d.random ? { random: this.d.random } : {}),
        onError: (message, failures) => this.d.logger?.warn({ failures }, `sync push failed: ${message}`),
      });
      this.pushLoop.start();
    }
    this.status = `on (${[this.pullAddress ? describePull(this.pullAddress) : '', this.client ? 'push' : ''].filter(Boolean).join(', ')})`;
    this.checkAge();
  }

  /** Raises (or clears) the alert when the oldest unacknowledged record is too old. */
  checkAge(): void {
    const outbox = this.outbox;
    if (!outbox) return;
    const oldest = outbox.oldestUnacked();
    const ageMs = oldest ? this.d.clock.now() - oldest.wall : 0;
    const active = ageMs > this.d.config.alertUnsentAgeMs;
    if (active !== this.alertActive) {
      this.alertActive = active;
      this.d.bus.emit('sync.alert', { active, oldestSeq: oldest?.seq ?? 0, ageMs });
    }
  }

  get alerting(): boolean {
    return this.alertActive;
  }

  async stop(): Promise<void> {
    if (this.alertTimer) clearInterval(this.alertTimer);
    this.alertTimer = null;
    await this.pushLoop?.stop();
    this.pushLoop = null;
    this.client?.close();
    this.client = null;
    await this.pullServer?.close();
    this.pullServer = null;
    this.d.bus.removeOwner(OWNER);
    this.d.store.ackSource = null;
  }
}

/**
 * The address the pull API really listens on, as /readyz and the log show it. fastify's listen()
 * answers with one local address (https://127.0.0.1:8443 for 0.0.0.0), which told an operator
 * the pull API was on loopback only, out of the central server's reach, when it listened on
 * every interface.
 */
export function boundAddress(server: FastifyInstance): string | null {
  const a = server.server.address();
  if (a === null || typeof a === 'string') return a;
  return `https://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}

/** "pull https://0.0.0.0:8443 (all interfaces)": a wildcard address is named as such. */
function describePull(address: string): string {
  return /^https:\/\/(0\.0\.0\.0|\[::\]):/.test(address) ? `pull ${address} (all interfaces)` : `pull ${address}`;
}
