import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CentralContext } from '../../central/context.js';
import { collectOp } from '../../central/collect/op.js';
import { Collector } from '../../central/collect/scheduler.js';
import {
  enrollBooth,
  sampleRecord,
  sealedChain,
  signPayload,
  type SampleContext,
  type SealedRevision,
} from '../../bench/central-samples.js';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { boothRig, until, type BoothRig } from './helpers/booth-rig.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'booth-central.js');

/**
 * Pull end to end: the central service's collector against real booth pull servers
 * (device/sync) over mutual TLS. The booth's certificate names only urn:booth:<id>; the
 * collector dials `localhost`, which that certificate does not name: it is recognised by id.
 * Sealed revisions are fetched with Range resume; push and pulls of one booth at once store
 * each record once.
 */
describe.each(BACKENDS)('pull from booths on %s', (backend) => {
  let c: TestCentral;
  let ctx: CentralContext;
  const rigs: BoothRig[] = [];

  beforeAll(async () => {
    c = await startTestCentral(backend, { raw: { collect: { pull: false, backoffBaseMs: 60_000 } } });
    if (!c.service.ctx) throw new Error('no context');
    ctx = c.service.ctx;
  });
  afterAll(async () => {
    for (const r of rigs) await r.close();
    await c?.stop();
  });

  async function rig(id: string): Promise<BoothRig> {
    const r = await boothRig(ctx, `${id}-${backend}`);
    rigs.push(r);
    return r;
  }

  const sample = (r: BoothRig): SampleContext => ({
    boothId: r.id,
    packageId: `2026-12-07.${r.id}`,
    dayStart: Date.UTC(2026, 11, 7, 1),
  });

  async function seqs(boothId: string): Promise<number[]> {
    const rows = await ctx.db.query<{ seq: number }>('SELECT seq FROM records WHERE booth_id = $1 ORDER BY seq', [
      boothId,
    ]);
    return rows.rows.map((x) => x.seq);
  }

  /** The booth's pull URL as the central dials it: a host name its certificate does not carry. */
  const byName = (url: string) => url.replace('127.0.0.1', 'localhost');

  it('pulls records and sealed revisions (resuming a cut transfer) from a booth recognised by id, not address', async () => {
    const r = await rig('pull1');
    const s = sample(r);
    const chain = await sealedChain(r.enrolled, { signers: 2 });
    for (const rev of chain.revisions) await r.store.putBlob(rev.pdf);
    const revs = [...chain.revisions];
    for (let i = 0; i < 30; i++) {
      if (i === 5 || i === 15) {
        const rev = revs.shift() as SealedRevision;
        await r.store.commit({ kind: 'sign', payload: signPayload(s, i, [rev], { projectId: 'P-2026-001' }) });
      } else await r.store.commit(sampleRecord(s, i, () => null));
    }
    const pull = await r.startPullServer({ cutAt: 1000 });
    await ctx.db.query('UPDATE booths SET pull_url = $2 WHERE id = $1', [r.id, byName(pull.url)]);

    // First round: the first revision's transfer is cut mid-way: nothing of that batch is stored.
    const first = await collectOp.run(ctx, { boothId: r.id });
    expect(first.booths[0]).toMatchObject({ ok: false, error: expect.stringMatching(/BOOTH_ERR_SYNC_FAILED/) });
    const held = await ctx.db.query<{ received: number; complete: boolean }>(
      'SELECT received, complete FROM blobs WHERE id = $1',
      [chain.revisions[0]?.blob],
    );
    expect(held.rows).toEqual([{ received: 1000, complete: false }]);
    // Second round resumes the transfer with Range, then stores and acknowledges everything.
    const second = await collectOp.run(ctx, { boothId: r.id });
    expect(second.booths[0]).toMatchObject({ ok: true, outcome: { stored: 30, rejected: 0, lastSeq: 30 } });
    expect(pull.blobRequests).toEqual([
      `${chain.revisions[0]?.blob} from 0`,
      `${chain.revisions[0]?.blob} from 1000`,
      `${chain.revisions[1]?.blob} from 0`,
    ]);
    expect(pull.outbox.ackedSeq).toBe(30);
    expect(await seqs(r.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const pdfs = await ctx.db.query('SELECT seq, status FROM sealed_pdfs WHERE booth_id = $1 ORDER BY seq', [r.id]);
    expect(pdfs.rows).toEqual([
      { seq: 6, status: 'valid' },
      { seq: 16, status: 'valid' },
    ]);
    const state = await ctx.db.query<{ failures: number; last_success_at: Date | null }>(
      'SELECT failures, last_success_at FROM pull_state WHERE booth_id = $1',
      [r.id],
    );
    expect(state.rows[0]?.failures).toBe(0);
    expect(state.rows[0]?.last_success_at).toBeInstanceOf(Date);
    // Nothing new: a round stores nothing and changes nothing.
    await r.store.commit(sampleRecord(s, 30, () => null));
    const third = await collectOp.run(ctx, {});
    expect(third.booths.find((b) => b.boothId === r.id)).toMatchObject({ ok: true, outcome: { stored: 1 } });
  });

  it('refuses a server whose certificate names another booth, and backs off', async () => {
    const r = await rig('pull2');
    const impostor = await rig('pull3');
    await impostor.store.commit(sampleRecord(sample(impostor), 0, () => null));
    const pull = await impostor.startPullServer();
    // pull2's address now answers with pull3's certificate.
    await ctx.db.query('UPDATE booths SET pull_url = $2 WHERE id = $1', [r.id, byName(pull.url)]);
    const round = await new Collector(ctx, { random: () => 0.5 }).pullOne({ id: r.id, pullUrl: byName(pull.url) });
    expect(round).toMatchObject({ ok: false, error: expect.stringMatching(/expected booth pull2-/) });
    const state = await ctx.db.query<{ failures: number; next_at: Date }>(
      'SELECT failures, next_at FROM pull_state WHERE booth_id = $1',
      [r.id],
    );
    expect(state.rows[0]?.failures).toBe(1);
    expect(state.rows[0]?.next_at.getTime()).toBeGreaterThan(Date.now() + 20_000); // 60 s base, equal jitter
    expect(await seqs(r.id)).toEqual([]);
    expect(await seqs(impostor.id)).toEqual([]);
    expect(pull.outbox.ackedSeq).toBe(0);
  });

  it('stores each record once while the booth pushes and two collectors pull it at the same time', async () => {
    const r = await rig('pull4');
    const s = sample(r);
    const sync = await r.startSync({ pushUrl: `${c.boothUrl}/sync/v1/push`, pull: true });
    const target = { id: r.id, pullUrl: byName(`https://127.0.0.1:${new URL(sync.pullAddress ?? '').port}`) };
    const a = new Collector(ctx);
    const b = new Collector(ctx);
    let writing = true;
    const pulls = (async () => {
      let rounds = 0;
      while (writing || rounds < 2) {
        const [x, y] = await Promise.all([a.pullOne(target), b.pullOne(target)]);
        for (const round of [x, y]) if (!round.ok) expect(round.error).toMatch(/SYNC_FAILED|ACK_REJECTED/);
        rounds++;
      }
    })();
    for (let i = 0; i < 150; i++) await r.store.commit(sampleRecord(s, i, () => null));
    await until(() => sync.outbox?.ackedSeq === 150, 'all acknowledged');
    writing = false;
    await pulls;
    expect(await seqs(r.id)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const via = await ctx.db.query<{ via: string }>('SELECT DISTINCT via FROM records WHERE booth_id = $1', [r.id]);
    expect(via.rows.length).toBeGreaterThanOrEqual(1);
    const facts = await ctx.db.query<{ n: number }>('SELECT count(*) AS n FROM visit_facts WHERE booth_id = $1', [
      r.id,
    ]);
    expect(facts.rows[0]?.n).toBe(30);
  });

  it('`booth-central collect --once` pulls through the running service (or straight to PostgreSQL)', async () => {
    const r = await rig('pull5');
    await r.store.commit(sampleRecord(sample(r), 0, () => null));
    const pull = await r.startPullServer();
    await ctx.db.query('UPDATE booths SET pull_url = $2 WHERE id = $1', [r.id, byName(pull.url)]);
    const { stdout } = await run(
      process.execPath,
      [bin, 'collect', '--once', '--booth', r.id, '--data-dir', c.dataDir, '--json'],
      { env: { ...process.env, DATABASE_URL: c.config.databaseUrl } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ booths: [{ boothId: r.id, ok: true, outcome: { stored: 1 } }] });
  });

  it('the scheduler pulls booths when due, each claimed by one collector at a time', async () => {
    const r = await rig('pull7');
    for (let i = 0; i < 5; i++) await r.store.commit(sampleRecord(sample(r), i, () => null));
    const pull = await r.startPullServer();
    await ctx.db.query('UPDATE booths SET pull_url = $2 WHERE id = $1', [r.id, byName(pull.url)]);
    const a = new Collector(ctx);
    const b = new Collector(ctx);
    expect((await a.claimDue(64)).map((t) => t.id)).toContain(r.id);
    expect((await b.claimDue(64)).map((t) => t.id)).not.toContain(r.id);
    await ctx.db.query('UPDATE pull_state SET next_at = NULL WHERE booth_id = $1', [r.id]);
    const scheduler = new Collector(ctx, { tickMs: 50 });
    scheduler.start();
    try {
      await until(async () => (await seqs(r.id)).length === 5, 'the scheduler pulled the booth');
    } finally {
      await scheduler.stop();
    }
    expect(pull.outbox.ackedSeq).toBe(5);
  });

  it('a fresh booth enrolled elsewhere (another CA) cannot be pulled', async () => {
    const r = await rig('pull6');
    const { createSelfSignedCertificate, generateKeyPair } = await import('../../protocol/crypto/x509.js');
    const keys = await generateKeyPair();
    const otherCa = {
      certPem: await createSelfSignedCertificate({ subject: 'CN=Other CA', keys, days: 10, profile: 'ca' }),
      keyPem: keys.privateKeyPem,
    };
    await enrollBooth(otherCa, r.dataDir, r.id);
    await r.store.commit(sampleRecord(sample(r), 0, () => null));
    const pull = await r.startPullServer();
    const round = await new Collector(ctx).pullOne({ id: r.id, pullUrl: byName(pull.url) });
    expect(round.ok).toBe(false);
    expect(await seqs(r.id)).toEqual([]);
  });
});
