import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { ulid } from 'ulid';
import { loadOrCreateIdentity } from '../../../device/crypto/identity.js';
import { BlobUploader } from '../../../device/sync/blob-upload.js';
import { PushClient } from '../../../device/sync/push-client.js';
import { loadSyncTls } from '../../../device/sync/tls.js';
import { buildBatch } from '../../../protocol/sync/batch.js';
import { syncConfig } from '../../fixtures/store/helpers.js';
import { httpsBuffer } from '../../central/https-json.js';
import { syncRig, until, type SyncRig } from '../../fixtures/store/sync-setup.js';

/**
 * Sealed PDF revisions travel with the records (DESIGN point 7): pushed before the batch naming
 * them, in resumable pieces; pulled by the central server with Range resume; a sign record is
 * acknowledged only once its blobs are held; the booth serves only blobs a sign record names.
 */
let rig: SyncRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

function centralAgent(r: SyncRig): Agent {
  const c = r.central.clientCert;
  return new Agent({ key: c.keyPem, cert: c.certPem, ca: [r.central.ca.certPem], maxCachedSessions: 0 });
}

/** Records when the central server stored each record and whether the blobs it names were held then. */
function watchStores(r: SyncRig): { seq: number; blobsHeld: boolean }[] {
  const seen: { seq: number; blobsHeld: boolean }[] = [];
  const ledger = r.central.ledger;
  const accept = ledger.accept.bind(ledger);
  ledger.accept = (boothId, after, records, ready) => {
    const before = ledger.ledger(boothId).lastSeq;
    const res = accept(boothId, after, records, ready);
    for (const x of records)
      if (x.seq > before && x.seq <= res.centralLastSeq) seen.push({ seq: x.seq, blobsHeld: r.central.blobsHeld(x) });
    return res;
  };
  return seen;
}

describe('sealed revisions in sync: push', () => {
  it('an interrupted blob upload resumes from the central offset; the record is acknowledged after the blob', async () => {
    rig = await syncRig({ push: true, pushMaxBytes: 64 * 1024 });
    const r = rig;
    const stored = watchStores(r);
    r.central.resetBlobPuts = 2; // the first two pieces are stored, but their answers never arrive
    const pdf = randomBytes(300_000);
    await r.commit(2, 'audit');
    const { blob, seq } = await r.signWithBlob(pdf);
    await r.commit(1, 'audit');
    await until(() => r.sync.outbox?.ackedSeq === r.store.lastSeq, 'everything acknowledged');

    expect(r.central.resetBlobPuts).toBe(0);
    expect(r.central.blobs.bytes(blob)?.equals(pdf)).toBe(true);
    // Every piece was sent once, each starting where the central server's bytes ended.
    const pieces = r.central.blobs.log.filter((e) => e.type === 'piece');
    expect(pieces.map((p) => p.offset)).toEqual([0, 65_536, 131_072, 196_608, 262_144]);
    expect(r.central.blobs.log.at(-1)).toEqual({ type: 'complete', id: blob });
    expect(stored.find((s) => s.seq === seq)).toEqual({ seq, blobsHeld: true });
    expect(r.central.ledger.ledger(r.boothId).records.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });

  it('the central server acknowledges a sign record only when it holds its blobs (the acked prefix ends there)', async () => {
    rig = await syncRig();
    const r = rig;
    await r.commit(1, 'audit');
    const { blob, seq } = await r.signWithBlob(randomBytes(40_000));
    await r.commit(1, 'audit');
    const tls = await loadSyncTls(r.dataDir, await loadOrCreateIdentity(r.dataDir, r.boothId), syncConfig());
    const client = new PushClient(new URL(`${r.central.url}/sync/v1/push`), tls!, 5000);
    try {
      const records = await r.store.read(0, 10);
      const batch = () =>
        buildBatch(r.store.boothSigner, { batchId: ulid(), after: 0, createdAt: Date.now(), records });
      const first = await client.push(batch());
      expect(first.centralLastSeq).toBe(seq - 1);
      expect(first.acks.map((a) => a.seq)).toEqual([1]);
      expect(await client.blobStatus(blob)).toEqual({ id: blob, received: 0, complete: false });

      await new BlobUploader({ client, store: r.store, maxBytes: 16 * 1024 }).ensure(records);
      expect(await client.blobStatus(blob)).toEqual({ id: blob, received: 40_000, complete: true });
      const second = await client.push(batch());
      expect(second.centralLastSeq).toBe(3);
      expect(second.acks.map((a) => [a.seq, a.status])).toEqual([
        [1, 'duplicate'],
        [2, 'stored'],
        [3, 'stored'],
      ]);
      // A piece at the wrong offset is refused with where to resume; the booth's client reads it.
      expect(await client.putBlobPiece(`h-${'0'.repeat(64)}`, 10, 20, Buffer.alloc(10))).toEqual({
        id: `h-${'0'.repeat(64)}`,
        received: 0,
        complete: false,
      });
    } finally {
      client.close();
    }
  });
});

describe('sealed revisions in sync: pull', () => {
  it('the central server fetches a blob from where its earlier transfer broke off (Range), then stores the record', async () => {
    rig = await syncRig();
    const r = rig;
    const pdf = randomBytes(200_000);
    const { blob, seq } = await r.signWithBlob(pdf);
    r.central.blobs.preload(blob, pdf.length, pdf.subarray(0, 70_000));
    const result = await r.central.pull(r.pullUrl, r.boothId);
    expect(result.blobFetches).toEqual([{ id: blob, from: 70_000, status: 206 }]);
    expect(r.central.blobs.bytes(blob)?.equals(pdf)).toBe(true);
    expect(r.central.ledger.ledger(r.boothId).lastSeq).toBe(seq);
    expect(r.sync.outbox?.ackedSeq).toBe(seq);
  });

  it('GET /sync/v1/blobs/:id serves the whole blob, a Range tail (206), and 416 past its end', async () => {
    rig = await syncRig();
    const r = rig;
    const pdf = randomBytes(50_000);
    const { blob } = await r.signWithBlob(pdf);
    const agent = centralAgent(r);
    const url = `${r.pullUrl}/sync/v1/blobs/${blob}`;
    const whole = await httpsBuffer(url, { agent });
    expect(whole.status).toBe(200);
    expect(whole.body.equals(pdf)).toBe(true);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const tail = await httpsBuffer(url, { agent, headers: { range: 'bytes=12345-' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 12345-49999/50000`);
    expect(tail.body.equals(pdf.subarray(12_345))).toBe(true);
    const past = await httpsBuffer(url, { agent, headers: { range: 'bytes=50000-' } });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */50000');
    expect(JSON.parse(past.body.toString())).toMatchObject({ code: 'BOOTH_ERR_RANGE_NOT_SATISFIABLE' });
    agent.destroy();
  });

  it('serves no blob that a sign record does not name: unnamed, named by an audit record, sensitive', async () => {
    rig = await syncRig();
    const r = rig;
    const agent = centralAgent(r);
    const get = (id: string) => httpsBuffer(`${r.pullUrl}/sync/v1/blobs/${id}`, { agent });
    const loose = await r.store.putBlob(randomBytes(1000));
    const orphan = await r.store.putBlob(randomBytes(1000));
    await r.store.commit({
      kind: 'audit',
      payload: { event: 'seal.orphaned', revisions: [{ documentId: 'report', blob: orphan, state: 'damaged' }] },
    });
    const secret = await r.store.putBlob(randomBytes(1000), { sensitive: true });
    await r.signWithBlob(randomBytes(1000)); // the one blob that may be served

    for (const id of [loose, orphan, `h-${'a'.repeat(64)}`]) {
      const res = await get(id);
      expect(res.status, id).toBe(404);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'BOOTH_ERR_NOT_FOUND' });
    }
    expect((await get(secret)).status).toBe(400);
    expect((await get('..%2Fkeys%2Fdata.key')).status).toBe(400);
    agent.destroy();
  });
});
