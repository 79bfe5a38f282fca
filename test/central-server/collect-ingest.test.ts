import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { appendBlob } from '../../central/collect/blob-ledger.js';
import { ingestBatch, type IngestResult } from '../../central/collect/ingest.js';
import { recordHash } from '../../protocol/records/record-codec.js';
import { statusOp } from '../../central/status/status.js';
import { isBoothError, type BoothError } from '../../protocol/errors.js';
import type { SignedBatch } from '../../protocol/sync/schemas.js';
import {
  auditPayload,
  noShowPayload,
  signPayload,
  visitPayload,
  type SampleContext,
} from '../../bench/central-samples.js';
import { BACKENDS } from './helpers/db.js';
import { TestBooth, testContext, type TestContext } from './helpers/collect.js';

/**
 * Ingestion (central/collect/ingest.ts) on both databases: a signed batch is verified and stored
 * exactly once with its facts; a tampered batch is refused whole (409) with a problem naming the
 * booth and the seq; authentic but invalid records are stored as rejected; a sign record waits
 * for the sealed revisions it names.
 */
const DAY = Date.UTC(2026, 11, 7, 1, 0);

function sample(boothId: string): SampleContext {
  return { boothId, packageId: `2026-12-07.${boothId}`, dayStart: DAY };
}

async function refusal(p: Promise<unknown>): Promise<BoothError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isBoothError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe.each(BACKENDS)('ingestion on %s', (backend) => {
  let t: TestContext;
  const booths: TestBooth[] = [];
  let n = 0;

  async function booth(): Promise<TestBooth> {
    const b = await TestBooth.create(t.ctx, `b${++n}-${backend}`);
    booths.push(b);
    return b;
  }

  function day(b: TestBooth, count: number): void {
    const c = sample(b.id);
    for (let i = 0; i < count; i++) {
      const k = b.records.length;
      if (k % 4 === 0) b.add('audit', auditPayload(c, k));
      else if (k % 4 === 1) b.add('visit', visitPayload(c, k));
      else if (k % 4 === 2) b.add('sign', signPayload(c, k, null, { action: 'refuse' }));
      else b.add('visit', noShowPayload(c, k));
    }
  }

  const ingest = (b: TestBooth, signed: SignedBatch, via: 'push' | 'pull' = 'push') =>
    ingestBatch(t.ctx, { boothId: b.id, certSerial: b.enrolled.serial, signed, via });

  async function count(table: string, boothId: string): Promise<number> {
    const r = await t.ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE booth_id = $1`, [boothId]);
    return r.rows[0]?.n ?? -1;
  }

  async function problems(boothId: string) {
    const r = await t.ctx.db.query<{ seq: number | null; kind: string; detail: string }>(
      'SELECT seq, kind, detail FROM problems WHERE booth_id = $1 ORDER BY id',
      [boothId],
    );
    return r.rows;
  }

  beforeAll(async () => {
    t = await testContext(backend);
  });
  afterAll(async () => {
    for (const b of booths) await b.cleanup();
    await t?.close();
  });

  it('stores a batch once with its facts; the same batch again is acknowledged as duplicates', async () => {
    const b = await booth();
    day(b, 12);
    const first = await ingest(b, b.batch(0));
    expect(first).toMatchObject({ centralLastSeq: 12, stored: 12, duplicates: 0, rejected: 0 });
    expect(first.acks.map((a) => a.status)).toEqual(Array(12).fill('stored'));
    const again = await ingest(b, b.batch(0), 'pull');
    expect(again).toMatchObject({ centralLastSeq: 12, stored: 0, duplicates: 12 });
    // A batch overlapping what is held: the held part duplicates, the rest is stored.
    day(b, 4);
    const overlap = await ingest(b, b.batch(8));
    expect(overlap.acks.map((a) => a.status)).toEqual([...Array(4).fill('duplicate'), ...Array(4).fill('stored')]);
    expect(await count('records', b.id)).toBe(16);
    expect(await count('sign_facts', b.id)).toBe(4);
    expect(await count('no_show_facts', b.id)).toBe(4);
    expect(await count('visit_facts', b.id)).toBe(4);
    const sign = await t.ctx.db.query<{ date: string; action: string; package_version: number; clock_synced: boolean }>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, action, package_version, clock_synced FROM sign_facts WHERE booth_id = $1 LIMIT 1`,
      [b.id],
    );
    expect(sign.rows[0]).toEqual({ date: '2026-12-07', action: 'refuse', package_version: 1, clock_synced: true });
    const head = await t.ctx.db.query<{ last_seq: number; last_hash: string }>(
      'SELECT last_seq, last_hash FROM chain_heads WHERE booth_id = $1',
      [b.id],
    );
    expect(head.rows[0]).toEqual({ last_seq: 16, last_hash: b.records[15]?.hash });
  });

  it('verifies a booth on the SM suite (SM3 chain, SM2 signatures bound to its certificate)', async () => {
    const b = await TestBooth.create(t.ctx, `sm-${backend}`, { suite: 'sm' });
    booths.push(b);
    day(b, 300);
    expect(b.signer.info.alg).toBe('sm2-sm3');
    const swapped = structuredClone(b.batch(0));
    const [r10, r11] = [swapped.batch.records[9], swapped.batch.records[10]];
    if (!r10 || !r11) throw new Error('no records');
    r10.signature = r11.signature;
    expect(await refusal(ingest(b, swapped))).toMatchObject({ details: { seq: 10, kind: 'batch-refused' } });
    expect(await ingest(b, b.batch(0))).toMatchObject({ stored: 300, centralLastSeq: 300 });
  });

  it('stores an authentic but invalid record as rejected, with a problem; resent, it is rejected again', async () => {
    const b = await booth();
    day(b, 2);
    b.add('sign', { ...signPayload(sample(b.id), 2, null), seat: 'front row' });
    b.add('audit', auditPayload(sample(b.id), 3));
    const r = await ingest(b, b.batch(0));
    expect(r.acks[2]).toMatchObject({ seq: 3, status: 'rejected' });
    expect(r.acks[2]?.reason).toMatch(/seat/);
    expect(r).toMatchObject({ stored: 3, rejected: 1, centralLastSeq: 4 });
    const again = await ingest(b, b.batch(0));
    expect(again.acks[2]).toMatchObject({ seq: 3, status: 'rejected', reason: r.acks[2]?.reason });
    expect(await problems(b.id)).toEqual([{ seq: 3, kind: 'record-rejected', detail: expect.stringMatching(/seat/) }]);
    expect(await count('sign_facts', b.id)).toBe(0);
  });

  it('stores records whose text holds NUL (PostgreSQL text and jsonb refuse it): exact payload kept, the chain moves on', async () => {
    // A dissent reason typed through the kiosk API by an older booth, or any field a newer booth
    // adds: the record is signed evidence. Before, the insert failed (500) and the booth's every
    // later record stayed behind it, retried forever.
    const b = await booth();
    day(b, 2);
    const reason = 'not\u0000agreed \\u0000'; // a NUL, and the six characters of an escaped one
    b.add('sign', { ...signPayload(sample(b.id), 2, null, { action: 'dissent' }), reason, extra: ['\u0000'] });
    b.add('visit', { ...visitPayload(sample(b.id), 3), outcome: 'left\u0000' });
    day(b, 2);
    const r = await ingest(b, b.batch(0));
    expect(r).toMatchObject({ stored: 6, rejected: 0, centralLastSeq: 6 });
    const rows = await t.ctx.db.query<{ seq: number; payload: Record<string, unknown>; payload_exact: string | null }>(
      'SELECT seq, payload, payload_exact FROM records WHERE booth_id = $1 ORDER BY seq',
      [b.id],
    );
    const sign = rows.rows[2]!;
    expect(sign.payload.reason).toBe('not\ufffdagreed \\u0000');
    // The exact payload, from which the record's hash and signature verify again.
    expect(JSON.parse(sign.payload_exact!)).toEqual(b.records[2]!.payload);
    expect(recordHash(b.signer.suite, b.id, { ...b.records[2]!, payload: JSON.parse(sign.payload_exact!) })).toBe(
      b.records[2]!.hash,
    );
    expect(rows.rows[3]!.payload.outcome).toBe('left\ufffd');
    // Records without NUL keep no second copy.
    expect(rows.rows.filter((x) => x.payload_exact !== null).map((x) => x.seq)).toEqual([3, 4]);
    expect(await count('sign_facts', b.id)).toBe(1);
    expect(await count('visit_facts', b.id)).toBe(3);
    expect(await problems(b.id)).toEqual([]);
  });

  it('stores nothing from a batch beyond the head (central restored from a backup) and says where it is', async () => {
    const b = await booth();
    day(b, 10);
    await ingest(b, b.batch(0, 4));
    const gap = await ingest(b, b.batch(6));
    expect(gap).toMatchObject({ acks: [], centralLastSeq: 4, stored: 0 });
    expect(await count('records', b.id)).toBe(4);
  });

  describe('a tampered batch is refused whole (409), nothing stored, a problem with booth and seq', () => {
    async function expectRefused(b: TestBooth, run: () => Promise<IngestResult>, seq: number, kind: string) {
      const before = await count('records', b.id);
      const err = await refusal(run());
      expect(err).toMatchObject({ code: 'BOOTH_ERR_SYNC_BATCH_REFUSED', statusCode: 409 });
      expect(await count('records', b.id)).toBe(before);
      expect((await problems(b.id)).at(-1)).toMatchObject({ seq, kind });
    }

    it('a changed field', async () => {
      const b = await booth();
      day(b, 6);
      const signed = b.batch(0);
      const r = signed.batch.records[3];
      if (!r) throw new Error('no record');
      r.payload = { ...r.payload, expertId: 'E-9999' };
      await expectRefused(b, () => ingest(b, signed), 4, 'batch-refused');
      expect(await count('sign_facts', b.id)).toBe(0);
    });

    it("a record's signature replaced (the batch hash covers record hashes, not signatures)", async () => {
      const b = await booth();
      day(b, 300);
      const signed = b.batch(0);
      const [r3, r4] = [signed.batch.records[2], signed.batch.records[3]];
      if (!r3 || !r4) throw new Error('no records');
      r3.signature = r4.signature;
      await expectRefused(b, () => ingest(b, signed), 3, 'batch-refused');
    });

    it('reordered records, even in a batch the booth key signed', async () => {
      const b = await booth();
      day(b, 6);
      const rs = [...b.records];
      [rs[2], rs[3]] = [rs[3] as never, rs[2] as never];
      // Record 4 arrives where 3 was due: the problem names it.
      await expectRefused(b, () => ingest(b, b.batch(0, 6, rs)), 4, 'batch-refused');
    });

    it('a missing record', async () => {
      const b = await booth();
      day(b, 6);
      await ingest(b, b.batch(0, 2));
      const rs = b.records.slice(2).filter((r) => r.seq !== 4);
      await expectRefused(b, () => ingest(b, b.batch(2, 6, rs)), 5, 'batch-refused');
      expect(await count('records', b.id)).toBe(2);
    });

    it("another booth's key, and a batch of another booth", async () => {
      const b = await booth();
      const other = await booth();
      day(b, 3);
      // The other booth signs records and batch claiming to be b.
      const forged = new TestBooth({ ...other.enrolled, boothId: b.id }, other.dataDir);
      day(forged, 3);
      await expectRefused(b, () => ingest(b, forged.batch(0)), 1, 'batch-refused');
      // b's own certificate bringing the other booth's batch.
      day(other, 2);
      await expectRefused(
        b,
        () => ingestBatch(t.ctx, { boothId: b.id, certSerial: b.enrolled.serial, signed: other.batch(0), via: 'push' }),
        1,
        'foreign-batch',
      );
      expect(await count('records', other.id)).toBe(0);
    });

    it('a revoked booth', async () => {
      const b = await booth();
      day(b, 3);
      await ingest(b, b.batch(0, 1));
      await t.ctx.db.query(`UPDATE booths SET status = 'revoked', revoked_at = now() WHERE id = $1`, [b.id]);
      await expectRefused(b, () => ingest(b, b.batch(1), 'pull'), 2, 'revoked-booth');
    });

    it('a different record at a seq already held (a forked chain)', async () => {
      const b = await booth();
      day(b, 4);
      await ingest(b, b.batch(0));
      const fork = new TestBooth(b.enrolled, b.dataDir);
      day(fork, 5);
      await expectRefused(b, () => ingest(b, fork.batch(0)), 1, 'chain-conflict');
      expect(await count('records', b.id)).toBe(4);
    });
  });

  it('stores each record once when the same booth is ingested concurrently (push and pulls at once)', async () => {
    const b = await booth();
    day(b, 60);
    const batches = [b.batch(0, 30), b.batch(0, 60), b.batch(20, 60), b.batch(0, 45), b.batch(30, 60)];
    const results = await Promise.allSettled(batches.map((s, i) => ingest(b, s, i % 2 ? 'pull' : 'push')));
    for (const r of results) expect(r.status).toBe('fulfilled');
    const rows = await t.ctx.db.query<{ seq: number }>('SELECT seq FROM records WHERE booth_id = $1 ORDER BY seq', [
      b.id,
    ]);
    expect(rows.rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await count('sign_facts', b.id)).toBe(15);
    const stored = results.reduce((s, r) => s + (r.status === 'fulfilled' ? r.value.stored : 0), 0);
    expect(stored).toBe(60);
  });

  it('acknowledges a sign record only once the sealed revision it names is held', async () => {
    const b = await booth();
    const c = sample(b.id);
    const bytes = Buffer.from('%PDF-1.7 not really a sealed revision');
    const sha = createHash('sha256').update(bytes).digest('hex');
    b.add('audit', auditPayload(c, 0));
    b.add('sign', signPayload(c, 1, [{ ...docOf(sha), blob: `h-${sha}` }]));
    b.add('audit', auditPayload(c, 2));
    const first = await ingest(b, b.batch(0));
    expect(first.acks.map((a) => a.seq)).toEqual([1]);
    expect(first).toMatchObject({ centralLastSeq: 1, waitingForBlobs: { seq: 2, blobs: [`h-${sha}`] } });
    await appendBlob(t.ctx, `h-${sha}`, 0, bytes.length, bytes.subarray(0, 10));
    expect((await ingest(b, b.batch(1))).acks).toEqual([]);
    await appendBlob(t.ctx, `h-${sha}`, 10, bytes.length, bytes.subarray(10));
    const second = await ingest(b, b.batch(1));
    expect(second).toMatchObject({ stored: 2, centralLastSeq: 3, waitingForBlobs: null });
    // Not a real PDF: flagged after storing, the record kept.
    const pdf = await t.ctx.db.query<{ status: string }>('SELECT status FROM sealed_pdfs WHERE booth_id = $1', [b.id]);
    expect(pdf.rows).toEqual([{ status: 'flagged' }]);
  });

  it('`status` shows the problems with booth and seq', async () => {
    const s = await statusOp.run(t.ctx, {});
    expect(s.problems.length).toBeGreaterThan(0);
    expect(s.problems).toContainEqual(expect.objectContaining({ kind: 'revoked-booth', seq: 2 }));
    expect(s.booths.find((x) => x.id === `b1-${backend}`)).toMatchObject({ lastSeq: 16 });
    expect(s.collect).toMatchObject({ sealedPdfsFlagged: 1 });
  });
});

function docOf(sha: string) {
  const published = createHash('sha256').update('published').digest('hex');
  return {
    documentId: 'report',
    sha256Published: published,
    sha256Before: published,
    sha256After: sha,
    placesStamped: 3,
  };
}
