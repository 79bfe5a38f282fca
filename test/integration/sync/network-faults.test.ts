import { afterEach, describe, expect, it } from 'vitest';
import { chainProblems } from '../../../protocol/records/record-codec.js';
import { syncRig, until, type SyncRig } from '../../fixtures/store/sync-setup.js';

/**
 * Push through network faults: central down, slow (answers after the booth's timeout), HTTP 500,
 * connection reset mid-batch (after storing half), and restored from an old backup. Afterwards
 * the central server holds every record exactly once, in sequence order, every signature valid.
 */
let rig: SyncRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

function assertExactlyOnce(r: SyncRig): void {
  const held = r.central.ledger.ledger(r.boothId).records;
  expect(held.map((x) => x.seq)).toEqual(Array.from({ length: r.store.lastSeq }, (_, i) => i + 1));
  expect(new Set(held.map((x) => x.id)).size).toBe(held.length);
  const signer = r.store.boothSigner;
  expect(
    chainProblems(held, {
      suite: signer.suite,
      boothId: r.boothId,
      publicKey: signer.publicKey,
      startPrevHash: '0'.repeat(64),
    }),
  ).toEqual([]);
}

async function drained(r: SyncRig, what: string): Promise<void> {
  await until(
    () => r.sync.outbox?.ackedSeq === r.store.lastSeq && r.central.ledger.ledger(r.boothId).lastSeq === r.store.lastSeq,
    what,
  );
}

async function failsAtLeast(r: SyncRig, n: number, what: string): Promise<void> {
  const loop = r.sync.pushLoop;
  if (!loop) throw new Error('push is off');
  await until(() => loop.failures >= n, what);
}

describe('push through network faults', () => {
  it('ends with every record exactly once, in order, verified, after down/slow/500/reset/restore', async () => {
    rig = await syncRig({ push: true, central: { slowMs: 1200 } });
    const r = rig;
    await r.commit(30);
    await drained(r, 'initial push');
    const backup = r.central.ledger.backup(); // the central server's backup at seq 30

    // 1. Central down: connection refused, the booth backs off, then resumes on its own.
    const port = Number(new URL(r.central.url ?? '').port);
    await r.central.app?.close();
    await r.commit(40);
    await failsAtLeast(r, 2, 'refused pushes');
    expect(r.sync.outbox?.ackedSeq).toBe(30);
    await r.central.listen(port);
    await drained(r, 'push after central came back');

    // 2. HTTP 500.
    r.central.fault = 'http500';
    await r.commit(20);
    await failsAtLeast(r, 2, 'pushes answered 500');
    r.central.fault = 'none';
    await drained(r, 'push after 500s');

    // 3. Slow: the central server answers after the booth gave up (it stored them anyway).
    r.central.fault = 'slow';
    await r.commit(20);
    await failsAtLeast(r, 1, 'push timing out');
    r.central.fault = 'none';
    await drained(r, 'push after slow answers');

    // 4. Connection reset mid-batch, after the central server stored half of it.
    r.central.fault = 'reset';
    await r.commit(20);
    await failsAtLeast(r, 1, 'push reset mid-batch');
    r.central.fault = 'none';
    await drained(r, 'push after resets');
    expect(r.central.pushes.every((p) => p.count <= 25)).toBe(true);

    // 5. Restored from the old backup: it holds 30 of 130; the booth serves again from there.
    r.central.ledger.restore(backup);
    await r.commit(5);
    await drained(r, 'push after restore from backup');
    expect(r.store.lastSeq).toBe(135);
    assertExactlyOnce(r);
    expect(r.central.ledger.ledger(r.boothId).rejected).toEqual([]);
    expect(r.sync.outbox?.deadLetters()).toEqual([]);
  }, 90_000);

  it('dead-letters a record the central server rejects, without blocking the rest', async () => {
    rig = await syncRig({
      push: true,
      central: { policy: (rec) => (rec.payload.n === 3 ? 'project P-2026-001 is closed' : null) },
    });
    const r = rig;
    await r.commit(8);
    await drained(r, 'push with one rejected record');
    expect(r.sync.outbox?.deadLetters()).toMatchObject([{ seq: 4, reason: 'project P-2026-001 is closed' }]);
    expect(r.log.of('sync.deadLetter')).toMatchObject([{ seq: 4 }]);
    expect(r.central.ledger.ledger(r.boothId).records.map((x) => x.seq)).toEqual([1, 2, 3, 5, 6, 7, 8]);
  }, 60_000);
});
