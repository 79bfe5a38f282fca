import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'node:https';
import { createCentralCa, issueCert } from '../../central/ca.js';
import { httpsJson } from '../../central/https-json.js';
import { syncRig, type SyncRig } from '../../fixtures/store/sync-setup.js';

/**
 * Mutual TLS on both sides: requests without a client certificate get 401, with a certificate
 * from another CA (or a name not allowed) 403, and nothing else: no data, no change.
 */
let rig: SyncRig;
beforeAll(async () => {
  rig = await syncRig();
  await rig.commit(3);
});
afterAll(async () => {
  await rig.close();
});

function agent(o: { key?: string; cert?: string }): Agent {
  return new Agent({ ...o, ca: [rig.central.ca.certPem] });
}

describe('sync API authentication', () => {
  it('answers 401 without a client certificate, on every route', async () => {
    const a = agent({});
    for (const [method, path] of [
      ['GET', '/sync/v1/batches?after=0'],
      ['POST', '/sync/v1/ack'],
      ['GET', '/sync/v1/openapi.json'],
    ] as const) {
      const res = await httpsJson(`${rig.pullUrl}${path}`, {
        method,
        agent: a,
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(res.status, path).toBe(401);
      expect(res.body).toEqual({
        code: 'BOOTH_ERR_UNAUTHORIZED',
        messageKey: 'error.unauthorized',
        message: 'a client certificate is required',
      });
    }
    a.destroy();
  });

  it('still knows the client on resumed TLS sessions (new connection per request)', async () => {
    const c = rig.central.clientCert;
    const a = new Agent({ keepAlive: false, key: c.keyPem, cert: c.certPem, ca: [rig.central.ca.certPem] });
    for (let i = 0; i < 4; i++) {
      const res = await httpsJson(`${rig.pullUrl}/sync/v1/batches?after=0&limit=1`, { agent: a });
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    a.destroy();
  });

  it('answers 403 to a certificate from another CA, even with the allowed name', async () => {
    const other = await createCentralCa('Impostor CA');
    const cert = await issueCert(other, { commonName: 'central', profile: 'client' });
    const a = agent({ key: cert.keyPem, cert: cert.certPem });
    const res = await httpsJson(`${rig.pullUrl}/sync/v1/batches?after=0`, { agent: a });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'BOOTH_ERR_FORBIDDEN' });
    expect(JSON.stringify(res.body)).not.toContain('"records"');
    a.destroy();
  });

  it('answers 403 to a certificate of the central CA with a name that may not pull (another booth)', async () => {
    const cert = await issueCert(rig.central.ca, { commonName: 'booth-8', profile: 'client' });
    const a = agent({ key: cert.keyPem, cert: cert.certPem });
    const res = await httpsJson(`${rig.pullUrl}/sync/v1/ack`, {
      method: 'POST',
      agent: a,
      body: { boothId: rig.boothId, batchId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', batchHash: 'x', upTo: 3 },
    });
    expect(res.status).toBe(403);
    expect(rig.sync.outbox?.ackedSeq).toBe(0);
    a.destroy();
  });

  it('the central server refuses pushes without a certificate (401) or from another CA (403)', async () => {
    const url = `${rig.central.url}/sync/v1/push`;
    const none = agent({});
    expect((await httpsJson(url, { method: 'POST', agent: none, body: {} })).status).toBe(401);
    const other = await createCentralCa('Impostor CA');
    const cert = await issueCert(other, { commonName: rig.boothId, profile: 'client' });
    const a = agent({ key: cert.keyPem, cert: cert.certPem });
    expect((await httpsJson(url, { method: 'POST', agent: a, body: {} })).status).toBe(403);
    none.destroy();
    a.destroy();
  });

  it('the booth refuses a central server whose certificate is not from the pinned CA', async () => {
    const other = await createCentralCa('Impostor CA');
    const a = new Agent({ ca: [other.certPem] });
    await expect(httpsJson(`${rig.central.url}/sync/v1/push`, { method: 'POST', agent: a, body: {} })).rejects.toThrow(
      /self-signed|unable to verify|certificate/i,
    );
    a.destroy();
  });
});
