import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { projectDir } from '../../../device/paths.js';
import type { AckResponse, SignedBatch } from '../../../protocol/sync/schemas.js';
import { syncOpenApi } from '../../../protocol/sync/openapi.js';
import { httpsJson } from '../../central/https-json.js';
import { syncRig, until, type SyncRig } from '../../fixtures/store/sync-setup.js';

/** The pull API as the central server uses it: signed batches, acks, restore from a backup, OpenAPI. */
let rig: SyncRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

function centralAgent(r: SyncRig): Agent {
  const c = r.central.clientCert;
  return new Agent({ key: c.keyPem, cert: c.certPem, ca: [r.central.ca.certPem] });
}

describe('pull API', () => {
  it('serves signed batches the central server verifies, and acks move the shared cursor', async () => {
    rig = await syncRig();
    const r = rig;
    await r.commit(45);
    const result = await r.central.pull(r.pullUrl, r.boothId, { limit: 20 });
    expect(result).toMatchObject({ records: 45, stored: 45, batches: 4 });
    expect(r.sync.outbox?.ackedSeq).toBe(45);
    expect(r.log.of('sync.progress').at(-1)).toEqual({ via: 'pull', ackedSeq: 45, lastSeq: 45 });
    expect(r.central.ledger.ledger(r.boothId).records.map((x) => x.seq)).toEqual(
      Array.from({ length: 45 }, (_, i) => i + 1),
    );
  });

  it('works the same with the SM suite: SM3 chain, SM2 signatures bound to the booth certificate', async () => {
    rig = await syncRig({ crypto: 'sm', push: true });
    const r = rig;
    await r.commit(12);
    await until(() => r.sync.outbox?.ackedSeq === 12, 'sm push');
    await r.commit(3);
    const pulled = await r.central.pull(r.pullUrl, r.boothId);
    expect(pulled.stored).toBeLessThanOrEqual(3);
    await until(() => r.central.ledger.ledger(r.boothId).lastSeq === 15, 'sm records at central');
    expect(r.store.boothSigner.info.alg).toBe('sm2-sm3');
    expect(r.central.ledger.ledger(r.boothId).records).toHaveLength(15);
  });

  it('serves again from an older seq after the central server was restored from a backup', async () => {
    rig = await syncRig();
    const r = rig;
    await r.commit(10);
    await r.central.pull(r.pullUrl, r.boothId);
    const backup = r.central.ledger.backup();
    await r.commit(15);
    await r.central.pull(r.pullUrl, r.boothId);
    expect(r.sync.outbox?.ackedSeq).toBe(25);
    r.central.ledger.restore(backup); // holds 10 again
    await r.commit(5);
    const again = await r.central.pull(r.pullUrl, r.boothId, { limit: 7 });
    expect(again.stored).toBe(20);
    const held = r.central.ledger.ledger(r.boothId).records;
    expect(held.map((x) => x.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(r.sync.outbox?.ackedSeq).toBe(30);
  });

  it('refuses bad query input with 400 and changes nothing', async () => {
    rig = await syncRig();
    const r = rig;
    await r.commit(3);
    const agent = centralAgent(r);
    for (const q of ['after=-1', 'limit=0', 'after=abc', 'after=99']) {
      const res = await httpsJson(`${r.pullUrl}/sync/v1/batches?${q}`, { agent });
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
    }
    expect(r.sync.outbox?.ackedSeq).toBe(0);
    agent.destroy();
  });

  it('refuses replayed, forged and out-of-range acks with 409, leaving the cursor', async () => {
    rig = await syncRig();
    const r = rig;
    await r.commit(6);
    const agent = centralAgent(r);
    const res = await httpsJson(`${r.pullUrl}/sync/v1/batches?after=0&limit=4`, { agent });
    const sb = res.body as SignedBatch;
    const ack = { boothId: r.boothId, batchId: sb.batch.batchId, batchHash: sb.batch.batchHash, upTo: 4 };
    const post = (body: unknown) => httpsJson(`${r.pullUrl}/sync/v1/ack`, { method: 'POST', agent, body });

    expect((await post({ ...ack, batchHash: 'f'.repeat(64) })).status).toBe(409);
    expect((await post({ ...ack, upTo: 6 })).status).toBe(409);
    expect((await post({ ...ack, boothId: 'booth-8' })).status).toBe(409);
    expect((await post({ ...ack, batchId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).status).toBe(409);
    expect(r.sync.outbox?.ackedSeq).toBe(0);
    const ok = await post(ack);
    expect(ok.status).toBe(200);
    expect(ok.body as AckResponse).toEqual({ ackedSeq: 4, lastSeq: 6 });
    const replay = await post(ack);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({
      code: 'BOOTH_ERR_SYNC_ACK_REJECTED',
      message: expect.stringMatching(/replayed/),
    });
    expect((await post({ ...ack, extra: 1 })).status).toBe(400);
    expect(r.sync.outbox?.ackedSeq).toBe(4);
    agent.destroy();
  });

  it('serves its OpenAPI document, the same as docs/openapi-sync.json', async () => {
    rig = await syncRig();
    const agent = centralAgent(rig);
    const res = await httpsJson(`${rig.pullUrl}/sync/v1/openapi.json`, { agent });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(syncOpenApi());
    const file = JSON.parse(await readFile(join(projectDir(), 'docs', 'openapi-sync.json'), 'utf8')) as unknown;
    expect(file).toEqual(syncOpenApi());
    agent.destroy();
  });

  it('raises the age alert while the oldest unsent record is too old, and clears it once acknowledged', async () => {
    rig = await syncRig({ alertUnsentAgeMs: 1000 });
    const r = rig;
    await r.commit(2);
    await until(() => r.sync.alerting, 'age alert', 50, 10_000);
    expect(r.log.of('sync.alert').at(-1)).toMatchObject({ active: true, oldestSeq: 1 });
    await r.central.pull(r.pullUrl, r.boothId);
    expect(r.sync.alerting).toBe(false);
    expect(r.log.of('sync.alert').at(-1)).toMatchObject({ active: false });
  });
});
