/**
 * The booth fleet of bench/central.ts, in its own process (booths are other machines in
 * reality; here they get their own event loop): N real booths, each a journal store
 * (device/store) filled with a day's worth of realistic records and a few really sealed PDF
 * revisions, and its pull API on a loopback port. Journals built before are reused.
 * Input: env BENCH_FLEET (JSON). Output: one JSON line on stdout with every booth's
 * certificate and pull URL; then it serves until stdin closes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Value } from '@sinclair/typebox/value';
import { StoreConfig } from '../device/config/sections/store.js';
import { EventBus } from '../device/core/events.js';
import { JournalRecordStore, type StoreSettings } from '../device/store/record-store.js';
import {
  enrollBooth,
  sampleRecord,
  sealedChain,
  startBoothPullServer,
  type Ca,
  type SealedRevision,
} from './central-samples.js';

interface FleetInput {
  root: string;
  booths: number;
  records: number;
  pdfs: number;
  ca: Ca;
}

const input = JSON.parse(process.env.BENCH_FLEET ?? '{}') as FleetInput;
const clock = { now: () => Date.now(), monotonic: () => performance.now() };

function storeConfig(): StoreSettings {
  const c = Value.Default(StoreConfig, {}) as StoreSettings;
  return { ...c, disk: { ...c.disk, lowFreeBytes: 0, criticalFreeBytes: 0 } };
}

async function booth(i: number) {
  const boothId = `hall${Math.floor(i / 10) + 1}-b${(i % 10) + 1}`;
  const dataDir = join(input.root, boothId);
  await mkdir(dataDir, { recursive: true });
  const enrolled = await enrollBooth(input.ca, dataDir, boothId);
  const store = new JournalRecordStore({
    dataDir,
    boothId,
    config: storeConfig(),
    clock,
    bus: new EventBus(),
    clockSynced: () => true,
  });
  await store.start();
  if (store.lastSeq < input.records) {
    const chain = await sealedChain(enrolled, { signers: input.pdfs });
    for (const r of chain.revisions) await store.putBlob(r.pdf);
    const revisions: SealedRevision[] = [...chain.revisions];
    const c = { boothId, packageId: `2026-12-07.${boothId}`, dayStart: Date.UTC(2026, 11, 7, 1) };
    // Concurrent commits are grouped into one write and one fsync each.
    for (let done = store.lastSeq; done < input.records; done += 500) {
      const n = Math.min(500, input.records - done);
      await Promise.all(
        Array.from({ length: n }, (_, k) =>
          store.commit(
            sampleRecord(c, done + k, () => (revisions.length ? [revisions.shift() as SealedRevision] : null)),
          ),
        ),
      );
    }
  }
  const server = await startBoothPullServer(store, dataDir);
  return {
    boothId,
    certPem: enrolled.certPem,
    serial: enrolled.serial,
    publicKeyPem: enrolled.publicKeyPem,
    keyPem: '',
    url: server.url,
    lastSeq: store.lastSeq,
  };
}

const t0 = performance.now();
const booths = [];
// A few at a time: building is CPU (signing) and fsync.
for (let i = 0; i < input.booths; i += 4)
  booths.push(...(await Promise.all(Array.from({ length: Math.min(4, input.booths - i) }, (_, k) => booth(i + k)))));
process.stdout.write(`${JSON.stringify({ booths, buildSeconds: (performance.now() - t0) / 1000 })}\n`);
// "cpu" on stdin: this process's CPU microseconds so far (the bench counts the fleet's share).
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'cpu') process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
  })
  .on('close', () => process.exit(0));
