import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../../device/core/events.js';
import type { JournalRecordStore } from '../../../device/store/record-store.js';
import { SyncService } from '../../../device/sync/sync-service.js';
import type { CentralContext } from '../../../central/context.js';
import {
  enrollBooth,
  registerBooth,
  startBoothPullServer,
  type EnrolledBooth,
} from '../../../bench/central-samples.js';
import type { Outbox } from '../../../device/sync/outbox.js';
import { openStore, syncConfig } from '../../fixtures/store/helpers.js';

/**
 * A real booth (journal store and sync service of device/) enrolled with a running central
 * service's CA and registered in its inventory, for the push and pull tests.
 */
export interface BoothRig {
  id: string;
  enrolled: EnrolledBooth;
  dataDir: string;
  store: JournalRecordStore;
  sync: SyncService | null;
  startSync(o: { pushUrl?: string; pull?: boolean; maxBytes?: number }): Promise<SyncService>;
  /** The booth's pull API with blobs on 127.0.0.1 (bench/central-samples.ts startBoothPullServer). */
  startPullServer(o?: { cutAt?: number }): Promise<{ url: string; outbox: Outbox; blobRequests: string[] }>;
  close(): Promise<void>;
}

export async function boothRig(ctx: CentralContext, boothId: string): Promise<BoothRig> {
  const dataDir = await mkdtemp(join(tmpdir(), `booth-${boothId}-`));
  const enrolled = await enrollBooth(ctx.keys.ca, dataDir, boothId);
  await registerBooth(ctx.db, enrolled);
  const store = openStore(dataDir, { boothId });
  await store.start();
  const closers: (() => Promise<unknown>)[] = [];
  const rig: BoothRig = {
    id: boothId,
    enrolled,
    dataDir,
    store,
    sync: null,
    async startSync(o) {
      const sync = new SyncService({
        dataDir,
        store,
        clock: { now: () => Date.now(), monotonic: () => performance.now() },
        bus: new EventBus(),
        random: () => 0.5,
        config: syncConfig({
          pull: { enabled: o.pull ?? false, host: '127.0.0.1', port: 0 },
          push: {
            url: o.pushUrl ?? '',
            maxRecords: 25,
            maxBytes: o.maxBytes ?? 32 * 1024,
            backoffBaseMs: 30,
            backoffMaxMs: 150,
            idlePollMs: 100,
            requestTimeoutMs: 10_000,
          },
        }),
      });
      await sync.start();
      rig.sync = sync;
      return sync;
    },
    async startPullServer(o = {}) {
      const server = await startBoothPullServer(store, dataDir, o);
      closers.push(() => server.close());
      return server;
    },
    async close() {
      for (const f of closers) await f();
      await rig.sync?.stop();
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** One HTTPS request with a client certificate (a booth's, or none), trusting the centre's CA. */
export function tlsRequest(
  url: string,
  o: {
    method?: string;
    body?: Buffer | string;
    contentType?: string;
    client?: { keyPem: string; certPem: string };
    ca: string;
    headers?: Record<string, string>;
  },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        ca: [o.ca],
        ...(o.client ? { key: o.client.keyPem, cert: o.client.certPem } : {}),
        headers: {
          ...o.headers,
          ...(body ? { 'content-type': o.contentType ?? 'application/json', 'content-length': body.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `cond` holds (the test's own timeout bounds it; nothing here asserts speed). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, maxMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > maxMs) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
