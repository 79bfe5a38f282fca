import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, type Harness } from '../visit/harness.js';

/**
 * Issue 15, the kiosk API as an attacker on the kiosk or its network would try it: strict
 * bodies (no coercion, unknown fields refused), bodies on routes that take none, deep nesting,
 * size, Host and Origin, and the headers that keep the page out of frames.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

const json = { 'content-type': 'application/json' };

async function inject(
  url: string,
  payload: string | object | undefined,
  headers: Record<string, string> = {},
  method: 'POST' | 'GET' = 'POST',
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const res = await h.app.inject({
    method,
    url,
    headers: { ...(payload === undefined ? {} : json), ...headers },
    ...(payload === undefined ? {} : { payload }),
  });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    body = { raw: res.body };
  }
  return { status: res.statusCode, body, headers: res.headers };
}

const POST_WITH_BODY = [
  '/api/kiosk/consent',
  '/api/kiosk/witness',
  '/api/kiosk/project',
  '/api/kiosk/override',
  '/api/kiosk/action',
  '/api/kiosk/session/close',
  '/api/kiosk/session/unlock',
  '/api/kiosk/sim/camera',
];
const POST_WITHOUT_BODY = [
  '/api/kiosk/begin',
  '/api/kiosk/retry',
  '/api/kiosk/witness/start',
  '/api/kiosk/signature/clear',
  '/api/kiosk/signature/done',
  '/api/kiosk/confirm',
  '/api/kiosk/redo',
  '/api/kiosk/finish',
  '/api/kiosk/cancel',
];

describe('kiosk API bodies', () => {
  it('does not coerce types: a PIN sent as a number, a boolean sent as text are refused (400)', async () => {
    for (const [url, body, field] of [
      ['/api/kiosk/session/close', { staffId: 'S-01', pin: 123456 }, 'pin'],
      ['/api/kiosk/override', { staffId: 'S-01', pin: 123456, projectId: 'P-1' }, 'pin'],
      ['/api/kiosk/witness', { staffId: 'S-01', pin: 123456, idNumber: '110101199003070011' }, 'pin'],
      ['/api/kiosk/consent', { accepted: 'true', version: 'face-consent/1' }, 'accepted'],
      ['/api/kiosk/project', { projectId: 42 }, 'projectId'],
    ] as const) {
      const r = await inject(url, body);
      expect(r.status, url).toBe(400);
      expect(r.body, url).toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
      expect(String(r.body.message), url).toContain(field);
    }
    expect((await inject('/api/kiosk/state', undefined, {}, 'GET')).body).toMatchObject({ screen: 'idle' });
  });

  it('refuses unknown fields with BOOTH_ERR_UNKNOWN_FIELD naming the field, instead of dropping them', async () => {
    const r = await inject('/api/kiosk/consent', { accepted: false, version: 'face-consent/1', admin: true });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'BOOTH_ERR_UNKNOWN_FIELD', details: { context: 'body', field: '/admin' } });
    const close = await inject('/api/kiosk/session/close', { staffId: 'S-01', pin: '000000', as: 'root' });
    expect(close.body).toMatchObject({ code: 'BOOTH_ERR_UNKNOWN_FIELD', details: { field: '/as' } });
    expect((await inject('/api/kiosk/state', undefined, {}, 'GET')).body).toMatchObject({ screen: 'idle' });
  });

  it('refuses a body on every route that takes none, before any action', async () => {
    for (const url of POST_WITHOUT_BODY) {
      for (const payload of ['{}', '"x"', '[]']) {
        const r = await inject(url, payload);
        expect(r.status, url).toBe(400);
        expect(r.body.code, url).toBe('BOOTH_ERR_BODY_NOT_ALLOWED');
      }
    }
    const get = await inject('/api/kiosk/state', '{}', {}, 'GET');
    expect(get.body.code).toBe('BOOTH_ERR_BODY_NOT_ALLOWED');
    expect((await inject('/api/kiosk/state', undefined, {}, 'GET')).body).toMatchObject({ screen: 'idle' });
  });

  it('answers deep nesting with 400 BOOTH_ERR_BODY_TOO_DEEP on every route, never 500', async () => {
    const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const url of [...POST_WITH_BODY, ...POST_WITHOUT_BODY, '/api/kiosk/session']) {
      for (const payload of [arrays(5_000), objects(5_000), `{"type":${arrays(40)}}`]) {
        const r = await inject(url, payload);
        expect(r.status, url).toBeLessThan(500);
        expect(r.status, url).not.toBe(200);
      }
    }
    // The unlock route answered 500 to these (issue 15); the depth check answers before parsing.
    for (const payload of [arrays(5_000), objects(5_000)]) {
      const r = await inject('/api/kiosk/session/unlock', payload);
      expect(r).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BODY_TOO_DEEP' } });
    }
    // Nesting within the limit is judged by the schema, as before.
    const shallow = await inject('/api/kiosk/consent', objects(10));
    expect(shallow.body.code).toBe('BOOTH_ERR_BAD_INPUT');
  });

  it('answers an unknown content type 415 and malformed JSON 400, coded', async () => {
    const xml = await inject('/api/kiosk/consent', '<a/>', { 'content-type': 'application/xml' });
    expect(xml).toMatchObject({ status: 415, body: { code: 'BOOTH_ERR_MEDIA_TYPE' } });
    const broken = await inject('/api/kiosk/consent', '{"accepted":');
    expect(broken).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BAD_INPUT' } });
  });
});

describe('kiosk API over a socket', () => {
  let port = 0;
  beforeAll(async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.server.address() as AddressInfo).port;
  });

  function send(
    path: string,
    o: { body?: Buffer; chunked?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(o.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(o.body?.length ?? 0) }),
            ...o.headers,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        // The server may close once it has answered 413; the answer already arrived or not at all.
        err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
      );
      if (o.body) req.write(o.body);
      req.end();
    });
  }

  it('answers a body above 64 KiB with 413 BOOTH_ERR_PAYLOAD_TOO_LARGE, declared or chunked', async () => {
    const big = Buffer.from(JSON.stringify({ accepted: true, version: 'x'.repeat(70 * 1024) }));
    for (const chunked of [false, true]) {
      const r = await send('/api/kiosk/consent', { body: big, chunked });
      expect(r.status, `chunked ${chunked}`).toBe(413);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'BOOTH_ERR_PAYLOAD_TOO_LARGE' });
    }
    const bodyless = await send('/api/kiosk/begin', { body: big });
    expect(bodyless.status).toBe(400);
  });

  it('refuses a Host that is not a loopback name (DNS rebinding) with 421, and answers loopback names', async () => {
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.nip.io', '']) {
      const r = await fetchRaw('/api/kiosk/state', { host });
      expect(r.status, host).toBe(421);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'BOOTH_ERR_HOST_REFUSED' });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await fetchRaw('/api/kiosk/state', { host })).status, host).toBe(200);
    }
  });

  it('refuses a cross-origin POST (403) and takes the same-origin one', async () => {
    for (const origin of ['http://evil.example', 'null', 'https://127.0.0.1.evil.example', 'file://']) {
      const r = await send('/api/kiosk/begin', { headers: { origin } });
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'BOOTH_ERR_ORIGIN_REFUSED' });
    }
    expect((await h.app.inject({ method: 'GET', url: '/api/kiosk/state' })).json()).toMatchObject({ screen: 'idle' });
    const same = await send('/api/kiosk/cancel', { headers: { origin: `http://127.0.0.1:${port}` } });
    expect(same.status).not.toBe(403);
  });

  it('sends CSP frame-ancestors none and X-Frame-Options DENY on the page, the API and errors', async () => {
    for (const [path, status] of [
      ['/', 200],
      ['/api/kiosk/state', 200],
      ['/no-such-page', 404],
    ] as const) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(r.status, path).toBe(status);
      expect(r.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      await r.arrayBuffer();
    }
    const refused = await fetchRaw('/api/kiosk/state', { host: 'evil.example' });
    expect(refused.headers['x-frame-options']).toBe('DENY');
  });

  function fetchRaw(
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, setHost: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }
});
