import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:https';
import { connect, createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../../device/core/events.js';
import { SyncService } from '../../../device/sync/sync-service.js';
import { boothTlsOptions } from '../../../central/http/booth-server.js';
import type { CentralContext } from '../../../central/context.js';
import { createCentralCa, enrollBoothForTests, issueCert } from '../../central/ca.js';
import { syncRig, type SyncRig } from '../../fixtures/store/sync-setup.js';
import { openStore, syncConfig, tempDir } from '../../fixtures/store/helpers.js';

/**
 * Issue 15 on the sync side: TLS 1.2 offers AEAD suites only (the CBC-SHA1 suites were still
 * offered), the pull API's bodies are strict like the kiosk's, and /readyz (sync status) names
 * the address the pull API really listens on.
 */
let rig: SyncRig;
beforeAll(async () => {
  rig = await syncRig();
  await rig.commit(3);
});
afterAll(async () => {
  await rig.close();
});

// CBC suites with SHA-1 or SHA-2 MACs (ECDSA certificates here, RSA ones for completeness).
const CBC_SUITES = [
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA',
  'AES128-SHA',
  'AES256-SHA',
];

/** The suite and version a TLS 1.2/1.3 handshake settles on, or the error that ended it. */
function handshake(port: number, o: { ciphers?: string; tls13?: boolean }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      minVersion: o.tls13 ? 'TLSv1.3' : 'TLSv1.2',
      maxVersion: o.tls13 ? 'TLSv1.3' : 'TLSv1.2',
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    });
    socket.once('secureConnect', () => {
      const c = socket.getCipher();
      resolve(`${socket.getProtocol() ?? '?'} ${c.name}`);
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(`refused: ${err.code ?? err.message}`));
  });
}

async function checkPolicy(port: number): Promise<void> {
  for (const suite of CBC_SUITES) expect(await handshake(port, { ciphers: suite }), suite).toMatch(/^refused/);
  expect(await handshake(port, { ciphers: CBC_SUITES.join(':') })).toMatch(/^refused/);
  expect(await handshake(port, {})).toMatch(/^TLSv1\.2 ECDHE-ECDSA-(AES\d+-GCM|CHACHA20)/);
  expect(await handshake(port, { tls13: true })).toMatch(/^TLSv1\.3 TLS_/);
}

describe('TLS suites', () => {
  it('the booth pull API refuses TLS 1.2 CBC suites and takes AEAD ones and TLS 1.3', async () => {
    await checkPolicy(Number(new URL(rig.pullUrl).port));
  });

  it("the central server's booth listener does the same (boothTlsOptions)", async () => {
    const ca = await createCentralCa();
    const server = await issueCert(ca, { commonName: 'central', profile: 'server', altNames: ['127.0.0.1'] });
    const ctx = { keys: { server, ca } } as unknown as CentralContext;
    const tls: Server = createServer(boothTlsOptions(ctx), (s) => s.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      await checkPolicy((tls.address() as AddressInfo).port);
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});

describe('pull API bodies', () => {
  function send(
    path: string,
    o: { method?: string; body?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const c = rig.central.clientCert;
    const agent = new Agent({ key: c.keyPem, cert: c.certPem, ca: [rig.central.ca.certPem] });
    return new Promise((resolve, reject) => {
      const req = request(
        `${rig.pullUrl}${path}`,
        {
          method: o.method ?? 'POST',
          agent,
          headers: {
            ...(o.body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(o.body)) }),
            ...o.headers,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (b: Buffer) => parts.push(b));
          res.on('end', () => {
            agent.destroy();
            const text = Buffer.concat(parts).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> });
          });
        },
      );
      req.on('error', reject);
      req.end(o.body);
    });
  }
  const ack = { boothId: 'booth-7', batchId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', batchHash: 'x', upTo: 1 };

  it('refuses coerced types, unknown fields and deep nesting in an ack (400), cursor unchanged', async () => {
    const coerced = await send('/sync/v1/ack', { body: JSON.stringify({ ...ack, upTo: '1' }) });
    expect(coerced).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BAD_INPUT' } });
    const unknown = await send('/sync/v1/ack', { body: JSON.stringify({ ...ack, force: true }) });
    expect(unknown).toMatchObject({
      status: 400,
      body: { code: 'BOOTH_ERR_UNKNOWN_FIELD', details: { field: '/force' } },
    });
    const deep = await send('/sync/v1/ack', { body: '['.repeat(10_000) + ']'.repeat(10_000) });
    expect(deep).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BODY_TOO_DEEP' } });
    expect(rig.sync.outbox?.ackedSeq).toBe(0);
    // The querystring is still read as numbers.
    const batches = await send('/sync/v1/batches?after=0&limit=2', { method: 'GET' });
    expect(batches.status).toBe(200);
    expect((batches.body.batch as { count: number }).count).toBe(2);
  });

  it('refuses a body on a GET and any request from a web page (Origin)', async () => {
    const body = await send('/sync/v1/batches?after=0', { method: 'GET', body: '{}' });
    expect(body).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BODY_NOT_ALLOWED' } });
    const page = await send('/sync/v1/batches?after=0', { method: 'GET', headers: { origin: 'http://evil.example' } });
    expect(page).toMatchObject({ status: 403, body: { code: 'BOOTH_ERR_ORIGIN_REFUSED' } });
  });
});

describe('sync status (/readyz store detail)', () => {
  it('names the address the pull API listens on: all interfaces, not 127.0.0.1', async () => {
    const dir = await tempDir('booth-sync-any-');
    await enrollBoothForTests(rig.central.ca, dir.path, 'booth-9');
    const bus = new EventBus();
    const store = openStore(dir.path, { boothId: 'booth-9', bus });
    await store.start();
    const sync = new SyncService({
      dataDir: dir.path,
      store,
      clock: { now: () => Date.now(), monotonic: () => performance.now() },
      bus,
      config: syncConfig({ pull: { host: '0.0.0.0', port: 0 } }),
    });
    try {
      await sync.start();
      const port = (sync.pullServer?.server.address() as AddressInfo).port;
      expect(sync.pullAddress).toBe(`https://0.0.0.0:${port}`);
      expect(sync.status).toBe(`on (pull https://0.0.0.0:${port} (all interfaces))`);
    } finally {
      await sync.stop();
      await store.stop();
      await dir.cleanup();
    }
  });
});
