import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
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

async function filesUnder(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

describe('blobs', () => {
  it('are content-addressed: same bytes, same id, stored once, read back checked', async () => {
    const store = openStore(dir.path);
    await store.start();
    const pdf = Buffer.from('%PDF-1.7 sealed document');
    const id = await store.putBlob(pdf);
    expect(id).toMatch(/^h-[0-9a-f]{64}$/);
    expect(await store.putBlob(pdf)).toBe(id);
    expect(await store.getBlob(id)).toEqual(pdf);
    const path = join(storePaths(dir.path).blobs, id.slice(2, 4), id);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await writeFile(path, 'tampered');
    await expect(store.getBlob(id)).rejects.toThrow(/does not match its hash/);
    await expect(store.getBlob('../../etc/passwd')).rejects.toThrow(/blob id: expected/);
    await expect(store.getBlob(`h-${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'BOOTH_ERR_NOT_FOUND' });
    await store.stop();
  });

  it.each(['p256', 'sm'] as const)(
    'leaves no plaintext template or signature dynamics in the data dir (%s)',
    async (crypto) => {
      const store = openStore(dir.path, { config: { crypto } });
      await store.start();
      const template = Buffer.concat([Buffer.from('FACE-TEMPLATE-v1:'), randomBytes(512)]);
      const dynamics = Buffer.from(
        JSON.stringify({
          strokes: [
            [
              { x: 1012, y: 2210, p: 512, t: 16 },
              { x: 1020, y: 2230, p: 530, t: 24 },
            ],
          ],
          marker: 'PEN-DYNAMICS',
        }),
      );
      const tId = await store.putBlob(template, { sensitive: true, sessionId: 'S-1' });
      const dId = await store.putBlob(dynamics, { sensitive: true });
      expect(tId).toMatch(/^k-/);
      await store.commit({ kind: 'sign', payload: { dynamics: dId } });
      expect(await store.getBlob(tId)).toEqual(template);
      expect(await store.getBlob(dId)).toEqual(dynamics);
      await store.stop();
      const needles = [
        template.subarray(17, 80),
        dynamics.subarray(0, 40),
        Buffer.from('PEN-DYNAMICS'),
        Buffer.from('FACE-TEMPLATE'),
      ];
      for (const file of await filesUnder(dir.path)) {
        const bytes = await readFile(file);
        for (const n of needles) expect(bytes.includes(n), `${file} holds plaintext`).toBe(false);
      }
    },
  );

  it('deletes a session’s templates when it closes, and only that session’s', async () => {
    const store = openStore(dir.path);
    await store.start();
    const t1 = await store.putBlob(Buffer.from('template one'), { sensitive: true, sessionId: 'S-1' });
    const t2 = await store.putBlob(Buffer.from('template two'), { sensitive: true, sessionId: 'S-1' });
    const other = await store.putBlob(Buffer.from('template three'), { sensitive: true, sessionId: 'S-2' });
    const dynamics = await store.putBlob(Buffer.from('dynamics'), { sensitive: true });
    expect(await store.closeSession('S-1')).toBe(2);
    for (const id of [t1, t2]) await expect(store.getBlob(id)).rejects.toMatchObject({ code: 'BOOTH_ERR_NOT_FOUND' });
    expect(await store.getBlob(other)).toEqual(Buffer.from('template three'));
    expect(await store.getBlob(dynamics)).toEqual(Buffer.from('dynamics'));
    expect(await store.closeSession('S-1')).toBe(0);
    await store.stop();
  });
});

describe('retention', () => {
  it('deletes segments and their blobs only when acknowledged at least N days ago; never unacknowledged ones', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    const store = openStore(dir.path, { clock, config: { segmentMaxBytes: 4096, retention: { ackedRecordDays: 30 } } });
    await store.start();
    const pdf = await store.putBlob(Buffer.from('%PDF sealed 1'));
    for (let i = 0; i < 40; i++)
      await store.commit({ kind: 'sign', payload: { i, pdf: i === 0 ? pdf : null, pad: 'x'.repeat(200) } });
    const segs = () => readdir(storePaths(dir.path).journal);
    const before = (await segs()).length;
    expect(before).toBeGreaterThan(3);

    const acks = { points: [] as { seq: number; at: number }[] };
    const source = { ackPoints: () => acks.points };
    expect(await store.sweep(source)).toBe(0); // nothing acknowledged
    acks.points = [{ seq: 25, at: clock.now() }];
    clock.advance(29 * 86_400_000);
    expect(await store.sweep(source)).toBe(0); // acknowledged, but not 30 days ago
    clock.advance(2 * 86_400_000);
    const removed = await store.sweep(source);
    expect(removed).toBeGreaterThan(0);
    expect(store.firstSeq).toBe(removed + 1);
    expect(store.firstSeq).toBeLessThanOrEqual(26); // nothing past the ack went
    expect((await segs()).length).toBeLessThan(before);
    await expect(store.getBlob(pdf)).rejects.toMatchObject({ code: 'BOOTH_ERR_NOT_FOUND' });
    expect((await store.read(0, 100)).map((r) => r.seq)).toEqual(
      Array.from({ length: 40 - removed }, (_, i) => removed + i + 1),
    );
    await store.stop();

    const again = openStore(dir.path, { clock, config: { segmentMaxBytes: 4096 } });
    await again.start();
    expect(again.fault).toBeNull();
    expect(again.firstSeq).toBe(removed + 1);
    expect(await again.verify()).toEqual([]);
    expect((await again.commit({ kind: 'audit', payload: {} })).seq).toBe(41);
    await again.stop();
  });
});

describe('disk nearly full', () => {
  it('refuses new visits when low, commits when critical, with events; recovers when space returns', async () => {
    let free = 10_000_000;
    const log = eventLog();
    const store = openStore(dir.path, {
      bus: log.bus,
      freeBytes: async () => free,
      config: { disk: { lowFreeBytes: 5_000_000, criticalFreeBytes: 1_000_000, checkIntervalMs: 3_600_000 } },
    });
    await store.start();
    expect(() => store.assertAcceptingVisits()).not.toThrow();
    free = 3_000_000;
    await store.checkDisk();
    expect(log.of('store.disk')).toEqual([{ state: 'low', freeBytes: 3_000_000 }]);
    const err = (() => {
      try {
        store.assertAcceptingVisits();
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(isBoothError(err, 'BOOTH_ERR_STORE_FULL') && err.messageKey).toBe('error.store.full');
    expect((await store.commit({ kind: 'sign', payload: { during: 'low' } })).seq).toBe(1); // a visit in progress still finishes
    free = 500_000;
    await store.checkDisk();
    await expect(store.commit({ kind: 'sign', payload: {} })).rejects.toMatchObject({ code: 'BOOTH_ERR_STORE_FULL' });
    expect(store.lastSeq).toBe(1);
    free = 50_000_000;
    await store.checkDisk();
    expect(log.of('store.disk').map((e) => e.state)).toEqual(['low', 'critical', 'ok']);
    expect(() => store.assertAcceptingVisits()).not.toThrow();
    await store.stop();
  });
});
