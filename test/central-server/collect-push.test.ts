import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import type { CentralContext } from '../../central/context.js';
import { buildBatch } from '../../protocol/sync/batch.js';
import type { CommittedRecord } from '../../protocol/records/types.js';
import {
  sampleRecord,
  sealedChain,
  signPayload,
  type SampleContext,
  type SealedRevision,
} from '../../bench/central-samples.js';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { boothRig, tlsRequest, until, type BoothRig } from './helpers/booth-rig.js';

/**
 * Push end to end: a real booth (journal store and push loop of device/sync) against the real
 * central service over mutual TLS. Records are stored once and acknowledged; a sign record
 * waits until the sealed revision it names is uploaded (resumable pieces); a tampered batch is
 * refused with 409 and shows in `status`; a revoked booth is refused.
 */
describe.each(BACKENDS)('push to the central service on %s', (backend) => {
  let c: TestCentral;
  let ctx: CentralContext;
  let ca: string;
  const rigs: BoothRig[] = [];

  beforeAll(async () => {
    c = await startTestCentral(backend, {
      raw: { collect: { pull: false }, server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 65_536 } },
    });
    if (!c.service.ctx) throw new Error('no context');
    ctx = c.service.ctx;
    ca = ctx.keys.ca.certPem;
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

  it('stores every record once; the booth uploads the sealed revision a sign record names, in pieces, before the record', async () => {
    const r = await rig('push1');
    const s = sample(r);
    for (let i = 0; i < 40; i++) await r.store.commit(sampleRecord(s, i, () => null));
    const chain = await sealedChain(r.enrolled, { signers: 1 });
    const rev = chain.revisions[0] as SealedRevision;
    expect(await r.store.putBlob(rev.pdf)).toBe(rev.blob);
    await r.store.commit({ kind: 'sign', payload: signPayload(s, 40, [rev], { projectId: 'P-2026-001' }) });
    for (let i = 41; i < 45; i++) await r.store.commit(sampleRecord(s, i, () => null));
    // Pieces of at most sync.push.maxBytes (8 KiB here): several for one revision.
    expect(rev.pdf.length).toBeGreaterThan(2 * 8 * 1024);
    const sync = await r.startSync({ pushUrl: `${c.boothUrl}/sync/v1/push`, maxBytes: 8 * 1024 });
    await until(() => sync.outbox?.ackedSeq === 45, 'everything acknowledged');
    expect(await seqs(r.id)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    const blob = await ctx.db.query('SELECT complete, size FROM blobs WHERE id = $1', [rev.blob]);
    expect(blob.rows).toEqual([{ complete: true, size: rev.pdf.length }]);
    const pdf = await ctx.db.query('SELECT status, seq FROM sealed_pdfs WHERE booth_id = $1', [r.id]);
    expect(pdf.rows).toEqual([{ status: 'valid', seq: 41 }]);
    const booth = await ctx.db.query<{ last_address: string }>('SELECT last_address FROM booths WHERE id = $1', [r.id]);
    expect(booth.rows[0]?.last_address).toMatch(/127\.0\.0\.1/);
  });

  it('blob uploads resume at the offset held: a piece elsewhere gets 409 with that offset', async () => {
    const r = await rig('push1b');
    const chain = await sealedChain(r.enrolled, { signers: 1 });
    const rev = chain.revisions[0] as SealedRevision;
    // Pieces: a first part, a piece at the wrong offset (409 with the offset held), blob-status, the rest.
    const client = { keyPem: r.enrolled.keyPem, certPem: r.enrolled.certPem };
    const part = Math.floor(rev.pdf.length / 4);
    const put = (offset: number, piece: Buffer) =>
      tlsRequest(`${c.boothUrl}/sync/v1/blobs/${rev.blob}?offset=${offset}&size=${rev.pdf.length}`, {
        method: 'PUT',
        body: piece,
        contentType: 'application/octet-stream',
        client,
        ca,
      });
    expect(await put(0, rev.pdf.subarray(0, part))).toMatchObject({ status: 200, body: { received: part } });
    expect(await put(0, rev.pdf.subarray(0, 10))).toMatchObject({
      status: 409,
      body: { code: 'BOOTH_ERR_CONFLICT', details: { received: part } },
    });
    const status = await tlsRequest(`${c.boothUrl}/sync/v1/blob-status/${rev.blob}`, { client, ca });
    expect(status).toMatchObject({ status: 200, body: { id: rev.blob, received: part, complete: false } });
    for (let at = part; at < rev.pdf.length; at += 32 * 1024)
      expect((await put(at, rev.pdf.subarray(at, at + 32 * 1024))).status).toBe(200);
    expect((await tlsRequest(`${c.boothUrl}/sync/v1/blob-status/${rev.blob}`, { client, ca })).body).toMatchObject({
      complete: true,
    });
  });

  it('refuses a blob piece above the size limit (413) and one that does not match its name (400)', async () => {
    const r = await rig('push2');
    const client = { keyPem: r.enrolled.keyPem, certPem: r.enrolled.certPem };
    const big = Buffer.alloc(70_000, 1);
    const id = `h-${'ab'.repeat(32)}`;
    const tooBig = await tlsRequest(`${c.boothUrl}/sync/v1/blobs/${id}?offset=0&size=${big.length}`, {
      method: 'PUT',
      body: big,
      contentType: 'application/octet-stream',
      client,
      ca,
    });
    expect(tooBig).toMatchObject({ status: 413, body: { code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE' } });
    const wrong = await tlsRequest(`${c.boothUrl}/sync/v1/blobs/${id}?offset=0&size=5`, {
      method: 'PUT',
      body: Buffer.from('hello'),
      contentType: 'application/octet-stream',
      client,
      ca,
    });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BAD_INPUT' } });
    expect(await tlsRequest(`${c.boothUrl}/sync/v1/blob-status/${id}`, { client, ca })).toMatchObject({
      body: { received: 0, complete: false },
    });
    // No certificate: nothing at all.
    expect(await tlsRequest(`${c.boothUrl}/sync/v1/blob-status/${id}`, { ca })).toMatchObject({ status: 401 });
  });

  it('refuses a tampered batch with 409, stores nothing of it, and `status` shows the problem', async () => {
    const r = await rig('push3');
    const s = sample(r);
    for (let i = 0; i < 6; i++) await r.store.commit(sampleRecord(s, i, () => null));
    const records = (await r.store.read(0, 100)) as CommittedRecord[];
    const changed = records.map((x) => (x.seq === 3 ? { ...x, payload: { ...x.payload, expertId: 'E-0000' } } : x));
    const signed = buildBatch(r.store.boothSigner, {
      batchId: monotonicFactory()(),
      after: 0,
      createdAt: Date.now(),
      records: changed,
    });
    const res = await tlsRequest(`${c.boothUrl}/sync/v1/push`, {
      method: 'POST',
      body: JSON.stringify(signed),
      client: { keyPem: r.enrolled.keyPem, certPem: r.enrolled.certPem },
      ca,
    });
    expect(res).toMatchObject({ status: 409, body: { code: 'BOOTH_ERR_SYNC_BATCH_REFUSED' } });
    expect(await seqs(r.id)).toEqual([]);
    const token = (await readFile(join(c.dataDir, 'keys', 'admin.token'), 'utf8')).trim();
    const status = (await (
      await fetch(`${c.adminUrl}/admin/v1/status`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { problems: { boothId: string; seq: number; kind: string }[] };
    expect(status.problems).toContainEqual(expect.objectContaining({ boothId: r.id, seq: 3, kind: 'batch-refused' }));
  });

  it('refuses a revoked booth (403) and records it for the operators', async () => {
    const r = await rig('push4');
    await r.store.commit(sampleRecord(sample(r), 0, () => null));
    await ctx.db.query(`UPDATE booths SET status = 'revoked', revoked_at = now() WHERE id = $1`, [r.id]);
    const records = (await r.store.read(0, 10)) as CommittedRecord[];
    const signed = buildBatch(r.store.boothSigner, {
      batchId: monotonicFactory()(),
      after: 0,
      createdAt: Date.now(),
      records,
    });
    const res = await tlsRequest(`${c.boothUrl}/sync/v1/push`, {
      method: 'POST',
      body: JSON.stringify(signed),
      client: { keyPem: r.enrolled.keyPem, certPem: r.enrolled.certPem },
      ca,
    });
    expect(res).toMatchObject({ status: 403, body: { code: 'BOOTH_ERR_FORBIDDEN' } });
    expect(await seqs(r.id)).toEqual([]);
    const p = await ctx.db.query('SELECT kind FROM problems WHERE booth_id = $1', [r.id]);
    expect(p.rows).toEqual([{ kind: 'revoked-booth' }]);
  });
});
