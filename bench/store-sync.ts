/**
 * Store and sync benchmark. Prints ONE JSON object:
 *  - commit latency p50/p99 (each commit fsync'd) with 1,000 and with 100,000 records already
 *    in the store; the two stores are measured interleaved, commit by commit, so machine load
 *    hits both alike, and the ratio of their p99s is reported from the same run;
 *  - pull throughput: the reference central server (in a worker thread, its own core) pulls
 *    10,000 records over loopback mTLS, verifying every batch and record signature and the chain;
 *  - push throughput: the booth pushes 10,000 records to it the same way.
 * Data lives in a temp dir on the same filesystem as os.tmpdir() (BENCH_DIR overrides).
 *
 * npm run bench:store-sync   (BENCH_COMMITS=N for more measured commits per store)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Value } from '@sinclair/typebox/value';
import { StoreConfig } from '../device/config/sections/store.js';
import { SyncConfig } from '../device/config/sections/sync.js';
import { EventBus } from '../device/core/events.js';
import type { Clock } from '../device/core/ports.js';
import { JournalRecordStore, type StoreSettings } from '../device/store/record-store.js';
import { SyncService, type SyncSettings } from '../device/sync/sync-service.js';
import { Worker } from 'node:worker_threads';
import { enrollBoothForTests, type CentralCa } from '../test/central/ca.js';
import type { PullResult } from '../test/central/puller.js';

const clock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };
const MEASURED = Number(process.env.BENCH_COMMITS ?? 400);
const payload = (i: number) => ({
  expert: 'E-0042',
  project: 'P-2026-001',
  method: 'face',
  scores: { technical: 41.5, commercial: 28, total: 69.5 },
  documents: [`h-${String(i).padStart(64, '0')}`],
  i,
});

function storeConfig(): StoreSettings {
  const c = Value.Default(StoreConfig, {}) as StoreSettings;
  return { ...c, disk: { ...c.disk, lowFreeBytes: 0, criticalFreeBytes: 0 } };
}

async function openStore(dataDir: string, boothId: string): Promise<JournalRecordStore> {
  const store = new JournalRecordStore({
    dataDir,
    boothId,
    config: storeConfig(),
    clock,
    bus: new EventBus(),
    clockSynced: () => true,
  });
  await store.start();
  return store;
}

/** Fills a store fast: concurrent commits are grouped into one write and one fsync each. */
async function preload(store: JournalRecordStore, n: number): Promise<void> {
  const group = 1000;
  for (let done = 0; done < n; done += group) {
    const size = Math.min(group, n - done);
    await Promise.all(
      Array.from({ length: size }, (_, i) => store.commit({ kind: 'sign', payload: payload(done + i) })),
    );
  }
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, p50Ms: r(quantile(s, 0.5)), p99Ms: r(quantile(s, 0.99)), maxMs: r(s.at(-1) ?? 0) };
}

interface CentralWorker {
  url: string;
  ca: CentralCa;
  ask<T>(msg: Record<string, unknown>, reply: string): Promise<T>;
  close(): Promise<void>;
}

async function startCentral(): Promise<CentralWorker> {
  const worker = new Worker(new URL('./store-sync-central.js', import.meta.url));
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const on = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        worker.off('message', on);
        resolve(m);
      };
      worker.on('message', on);
      worker.once('error', reject);
    });
  const ready = await next('ready');
  return {
    url: String(ready.url),
    ca: ready.ca as CentralCa,
    async ask<T>(msg: Record<string, unknown>, reply: string) {
      const p = next(reply);
      worker.postMessage(msg);
      return (await p) as T;
    },
    async close() {
      worker.postMessage({ type: 'close' });
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

async function syncedBooth(root: string, central: CentralWorker, boothId: string, records: number, push: boolean) {
  const dataDir = join(root, boothId);
  await enrollBoothForTests(central.ca, dataDir, boothId);
  const store = await openStore(dataDir, boothId);
  await preload(store, records);
  const base = Value.Default(SyncConfig, {}) as SyncSettings;
  const config: SyncSettings = {
    ...base,
    pull: { ...base.pull, host: '127.0.0.1', port: 0 },
    push: { ...base.push, url: push ? `${central.url}/sync/v1/push` : '', maxRecords: 1000, maxBytes: 4 * 1024 * 1024 },
  };
  const sync = new SyncService({ dataDir, config, store, clock, bus: new EventBus() });
  return { store, sync };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'booth-bench-'));
  try {
    // Commit latency, 1k vs 100k, interleaved.
    const small = await openStore(join(root, 'small'), 'booth-small');
    const large = await openStore(join(root, 'large'), 'booth-large');
    const t0 = performance.now();
    await preload(small, 1000);
    await preload(large, 100_000);
    const preloadS = (performance.now() - t0) / 1000;
    const lat = { small: [] as number[], large: [] as number[] };
    for (let i = 0; i < MEASURED; i++) {
      for (const [name, store] of [
        ['small', small],
        ['large', large],
      ] as const) {
        const t = performance.now();
        await store.commit({ kind: 'sign', payload: payload(i) });
        lat[name].push(performance.now() - t);
      }
    }
    const at1k = stats(lat.small);
    const at100k = stats(lat.large);
    await small.stop();
    await large.stop();

    const central = await startCentral();

    // Pull: the central server pulls 10k records in batches of 1000.
    const puller = await syncedBooth(root, central, 'booth-pull', 10_000, false);
    await puller.sync.start();
    const pullUrl = (puller.sync.pullAddress ?? '').replace('127.0.0.1', 'localhost');
    const cpuPull = process.cpuUsage();
    const { result: pulled, seconds: pullS } = await central.ask<{ result: PullResult; seconds: number }>(
      { type: 'pull', boothUrl: pullUrl, boothId: 'booth-pull', limit: 1000 },
      'pulled',
    );
    const pullCpu = process.cpuUsage(cpuPull);
    await puller.sync.stop();
    await puller.store.stop();

    // Push: the booth pushes 10k records in batches of up to 1000 records / 4 MB.
    const pusher = await syncedBooth(root, central, 'booth-push', 10_000, true);
    const cpuPush = process.cpuUsage();
    const tq = performance.now();
    await pusher.sync.start();
    while ((pusher.sync.outbox?.ackedSeq ?? 0) < 10_000) await new Promise((r) => setTimeout(r, 5));
    const pushS = (performance.now() - tq) / 1000;
    const pushCpu = process.cpuUsage(cpuPush);
    // CPU time of booth and central together (both threads), per record: less sensitive to the
    // machine's load than wall time; 1000 / cpuMsPerRecord is the rate one free core would give.
    const perRecord = (u: NodeJS.CpuUsage) => Math.round(((u.user + u.system) / 1000 / 10_000) * 1000) / 1000;
    await pusher.sync.stop();
    await pusher.store.stop();
    const pushes = await central.ask<{ count: number }>({ type: 'pushes', boothId: 'booth-push' }, 'pushes');
    await central.close();

    console.log(
      JSON.stringify({
        bench: 'store-sync',
        commit: {
          at1k,
          at100k,
          p99Ratio100kTo1k: Math.round((at100k.p99Ms / at1k.p99Ms) * 100) / 100,
          p50Ratio100kTo1k: Math.round((at100k.p50Ms / at1k.p50Ms) * 100) / 100,
          target: 'p99 at 100k <= 1.5x p99 at 1k',
          preloadSeconds: Math.round(preloadS * 10) / 10,
        },
        pull: {
          records: pulled.records,
          batches: pulled.batches,
          seconds: Math.round(pullS * 1000) / 1000,
          recordsPerSec: Math.round(pulled.records / pullS),
          cpuMsPerRecord: perRecord(pullCpu),
          target: '>= 5000/s',
        },
        push: {
          records: 10_000,
          batches: pushes.count,
          seconds: Math.round(pushS * 1000) / 1000,
          recordsPerSec: Math.round(10_000 / pushS),
          cpuMsPerRecord: perRecord(pushCpu),
          target: '>= 5000/s',
        },
        machine: { cpus: cpus().length, loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100, node: process.version },
      }),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
