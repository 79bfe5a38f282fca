import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import { isBoothError } from '../../../protocol/errors.js';
import { storePaths } from '../../../device/store/layout.js';
import { eventLog, openStore, tempDir } from '../../fixtures/store/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

async function segments(dataDir: string): Promise<string[]> {
  return (await readdir(storePaths(dataDir).journal)).filter((n) => n.endsWith('.log')).sort();
}

describe('journal store: commit and recovery', () => {
  it('commits records that survive a reopen with a verifying hash chain and signatures', async () => {
    const store = openStore(dir.path);
    await store.start();
    const committed = [];
    for (let i = 0; i < 20; i++) committed.push(await store.commit({ kind: 'sign', payload: { i, who: 'expert-1' } }));
    await store.stop();

    const again = openStore(dir.path);
    await again.start();
    expect(again.lastSeq).toBe(20);
    expect(again.recovery?.tornBytes).toBe(0);
    const read = await again.read(0, 100);
    expect(read).toEqual(committed);
    expect(read.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(read[0]?.prevHash).toBe('0'.repeat(64));
    expect(read[1]?.prevHash).toBe(read[0]?.hash);
    expect(await again.verify()).toEqual([]);
    const next = await again.commit({ kind: 'audit', payload: { step: 'reopened' } });
    expect(next.seq).toBe(21);
    expect(next.prevHash).toBe(committed[19]?.hash);
    await again.stop();
  });

  it('keeps the call order of concurrent commits (group commit) and stamps wall time and sync state', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const store = openStore(dir.path, { clock, clockSynced: () => false });
    await store.start();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.commit({ kind: 'audit', payload: { i } })),
    );
    expect(results.map((r) => r.payload.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(results[0]?.time).toEqual({ wall: 1_750_000_000_000, synced: false });
    expect(new Set(results.map((r) => r.id)).size).toBe(50);
    expect(await store.verify()).toEqual([]);
    await store.stop();
  });

  it('refuses bad input with a clear error and commits nothing', async () => {
    const store = openStore(dir.path);
    await store.start();
    await expect(store.commit({ kind: 'nope' as 'sign', payload: {} })).rejects.toThrow(/kind: expected one of/);
    await expect(store.commit({ kind: 'sign', payload: { score: Number.NaN } })).rejects.toThrow(
      /\/score: expected a finite number/,
    );
    await expect(store.commit({ kind: 'sign', payload: [] as unknown as Record<string, unknown> })).rejects.toThrow(
      /payload: expected a JSON object/,
    );
    expect(store.lastSeq).toBe(0);
    const r = await store.commit({ kind: 'sign', payload: { ok: true } });
    expect(r.seq).toBe(1);
    await store.stop();
  });

  it('cuts a torn tail (last bytes truncated), reports it, and continues the chain', async () => {
    const log = eventLog();
    const store = openStore(dir.path, { bus: log.bus });
    await store.start();
    for (let i = 0; i < 5; i++) await store.commit({ kind: 'sign', payload: { i } });
    await store.stop();
    const [seg] = await segments(dir.path);
    const path = join(storePaths(dir.path).journal, seg ?? '');
    const size = (await stat(path)).size;
    await truncate(path, size - 17); // the last record loses its end

    const again = openStore(dir.path, { bus: log.bus });
    await again.start();
    expect(again.lastSeq).toBe(4);
    expect(again.recovery?.tornBytes).toBeGreaterThan(0);
    expect(log.of('store.recovered').at(-1)).toMatchObject({ records: 4, lastSeq: 4 });
    expect(again.fault).toBeNull();
    const r = await again.commit({ kind: 'sign', payload: { i: 'after' } });
    expect(r.seq).toBe(5);
    expect(await again.verify()).toEqual([]);
    await again.stop();
  });

  it('treats garbage appended after the last record (a torn write) as a tail to cut', async () => {
    const store = openStore(dir.path);
    await store.start();
    await store.commit({ kind: 'sign', payload: { a: 1 } });
    await store.stop();
    const [seg] = await segments(dir.path);
    await appendFile(join(storePaths(dir.path).journal, seg ?? ''), Buffer.alloc(300, 0));
    const again = openStore(dir.path);
    await again.start();
    expect(again.recovery).toMatchObject({ records: 1, tornBytes: 300, fault: null });
    await again.stop();
  });

  it('quarantines a segment with a checksum mismatch in the middle, raises a fault and refuses commits', async () => {
    const log = eventLog();
    const store = openStore(dir.path, { bus: log.bus });
    await store.start();
    for (let i = 0; i < 5; i++) await store.commit({ kind: 'sign', payload: { name: `expert-${i}` } });
    await store.stop();
    const [seg] = await segments(dir.path);
    const path = join(storePaths(dir.path).journal, seg ?? '');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('expert-2', 'expert-X')); // bit rot inside record 3

    const again = openStore(dir.path, { bus: log.bus });
    await again.start();
    expect(again.fault).toMatch(/checksum mismatch/);
    expect(log.of('store.fault').at(-1)).toMatchObject({ code: 'BOOTH_ERR_STORE_FAULT', file: seg });
    expect(await readdir(storePaths(dir.path).quarantine)).toEqual([seg]);
    expect(await segments(dir.path)).toEqual([]);
    const err = await again.commit({ kind: 'sign', payload: {} }).catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_STORE_FAULT')).toBe(true);
    expect(() => again.assertAcceptingVisits()).toThrow(/store fault/);
    await again.stop();
  });

  it('rotates segments by size and by UTC day, and reads across them', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 0));
    const store = openStore(dir.path, { clock, config: { segmentMaxBytes: 4096 } });
    await store.start();
    for (let i = 0; i < 30; i++) await store.commit({ kind: 'audit', payload: { pad: 'x'.repeat(300), i } });
    const bySize = await segments(dir.path);
    expect(bySize.length).toBeGreaterThan(2);
    clock.advance(2 * 3_600_000); // past midnight UTC
    await store.commit({ kind: 'audit', payload: { i: 'next day' } });
    const all = await segments(dir.path);
    expect(all.at(-1)).toMatch(/^seg-000000000031-20260102\.log$/);
    await store.stop();
    const again = openStore(dir.path, { clock, config: { segmentMaxBytes: 4096 } });
    await again.start();
    expect((await again.read(0, 1000)).map((r) => r.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect((await again.read(10, 5)).map((r) => r.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(await again.verify()).toEqual([]);
    await again.stop();
  });
});
