import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Agent, request } from 'node:https';
import { startHarness, type Harness } from '../visit/harness.js';
import { syncRig, type SyncRig } from '../../fixtures/store/sync-setup.js';

/**
 * Issue 15: fuzzing every route's schema, in CI. Bodies drawn from any JSON, raw text, valid
 * bodies with one field changed, added or removed, and known troublemakers (deep nesting,
 * prototype keys, huge numbers), under assorted content types. The kiosk API runs in process
 * (inject); the pull API over its real mutual-TLS socket. No answer may be a 5xx, the service
 * answers normally afterwards, and the process's memory stays bounded.
 */
const KIOSK_RUNS_PER_ROUTE = 500;
const PULL_RUNS = 900;

let sent = 0;

const anyJson = fc.jsonValue({ maxDepth: 5 });
const EDGE = [
  '['.repeat(50_000) + ']'.repeat(50_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '1e999999',
  '"\\ud800"',
  '{"pin":"\\u0000\\u0000\\u0000\\u0000"}',
  `{"reason":"${'x'.repeat(60_000)}"}`,
  '',
  'null',
];

function mutations(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(template);
  const changed = fc
    .record({ key: fc.constantFrom(...keys), value: anyJson })
    .map(({ key, value }) => ({ ...template, [key]: value }));
  const added = fc
    .record({ key: fc.string({ maxLength: 12 }), value: anyJson })
    .map(({ key, value }) => ({ ...template, [key]: value }));
  const removed = fc
    .constantFrom(...keys)
    .map((k) => Object.fromEntries(Object.entries(template).filter(([n]) => n !== k)));
  return fc.oneof(changed, added, removed);
}

/** A request body as text and its content type. */
function bodies(template: Record<string, unknown> | null): fc.Arbitrary<{ text: string; type: string }> {
  const text = fc.oneof(
    { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE) },
    ...(template ? [{ weight: 4, arbitrary: mutations(template).map((v) => JSON.stringify(v)) }] : []),
  );
  const type = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/octet-stream',
        ';;;',
      ),
    },
  );
  return fc.record({ text, type });
}

function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

describe('kiosk API fuzzing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 90_000);
  afterAll(async () => {
    await h?.stop();
  });

  const staff = { staffId: 'staff-01', pin: '000000' };
  const routes: [string, Record<string, unknown> | null][] = [
    ['/api/kiosk/consent', { accepted: true, version: 'face-consent/1' }],
    ['/api/kiosk/witness', { ...staff, idNumber: '110101199003070011' }],
    ['/api/kiosk/project', { projectId: 'P-2026-001' }],
    ['/api/kiosk/override', { ...staff, projectId: 'P-2026-001' }],
    ['/api/kiosk/action', { action: 'dissent', reason: 'not agreed' }],
    ['/api/kiosk/session/close', staff],
    ['/api/kiosk/session/unlock', { type: 'unlock', packageId: 'p', version: 1, boothId: 'booth-it' }],
    ['/api/kiosk/sim/camera', { source: 'expert' }],
    ['/api/kiosk/begin', null],
    ['/api/kiosk/retry', null],
    ['/api/kiosk/witness/start', null],
    ['/api/kiosk/signature/clear', null],
    ['/api/kiosk/signature/done', null],
    ['/api/kiosk/confirm', null],
    ['/api/kiosk/redo', null],
    ['/api/kiosk/finish', null],
    ['/api/kiosk/cancel', null],
    ['/api/kiosk/state', null],
    ['/api/kiosk/session', null],
  ];

  // Consent meets a visit in progress (its first screen), not only the idle booth.
  const inVisit = new Set(['/api/kiosk/consent']);

  it('answers every body on every route without a 5xx, stays ready, memory bounded', async () => {
    const rssBefore = rssMb();
    const start = sent;
    for (const [url, template] of routes) {
      // A package upload runs the whole install check on a worker: a few suffice.
      const runs = url === '/api/kiosk/session' ? 20 : KIOSK_RUNS_PER_ROUTE;
      await fc.assert(
        fc.asyncProperty(bodies(template), async ({ text, type }) => {
          sent++;
          if (inVisit.has(url)) await h.app.inject({ method: 'POST', url: '/api/kiosk/begin' });
          const res = await h.app.inject({
            method: url === '/api/kiosk/state' ? 'GET' : 'POST',
            url,
            headers: { 'content-type': type },
            payload: text,
          });
          if (res.statusCode >= 500) throw new Error(`${url} ${res.statusCode} ${res.body.slice(0, 300)}`);
          // Every refusal is coded and carries no path of the booth.
          if (res.statusCode >= 400) {
            const body = res.json<{ code?: string }>();
            if (!body.code?.startsWith('BOOTH_ERR_')) throw new Error(`${url}: uncoded ${res.body.slice(0, 200)}`);
            if (res.body.includes(h.config.dataDir)) throw new Error(`${url}: path in ${res.body.slice(0, 200)}`);
          }
          // A visit a fuzzed body started is ended, so each body meets a known state.
          if (inVisit.has(url) || res.statusCode === 200)
            await h.app.inject({ method: 'POST', url: '/api/kiosk/cancel' });
        }),
        { numRuns: runs },
      );
    }
    const count = sent - start;
    const growth = rssMb() - rssBefore;
    console.log(JSON.stringify({ kioskBodies: count, rssGrowthMb: Math.round(growth) }));
    expect(count).toBeGreaterThanOrEqual(8_000);
    // Generous: the face engine and the journal hold their own memory; a leak per request would pass it.
    expect(growth).toBeLessThan(300);

    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    await h.app.inject({ method: 'POST', url: '/api/kiosk/cancel' });
    const begin = await h.app.inject({ method: 'POST', url: '/api/kiosk/begin' });
    expect(begin.statusCode).toBe(200);
    expect(begin.json()).toMatchObject({ screen: 'consent' });
    expect((await h.app.inject({ method: 'POST', url: '/api/kiosk/cancel' })).statusCode).toBe(200);
  }, 240_000);
});

describe('pull API fuzzing', () => {
  let rig: SyncRig;
  let agent: Agent;
  beforeAll(async () => {
    rig = await syncRig();
    await rig.commit(5);
    const c = rig.central.clientCert;
    agent = new Agent({ key: c.keyPem, cert: c.certPem, ca: [rig.central.ca.certPem], keepAlive: true, maxSockets: 4 });
  });
  afterAll(async () => {
    agent?.destroy();
    await rig?.close();
  });

  function send(method: string, path: string, body?: { text: string; type: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      const payload = body ? Buffer.from(body.text) : undefined;
      const req = request(
        `${rig.pullUrl}${path}`,
        {
          method,
          agent,
          headers: payload ? { 'content-type': body!.type, 'content-length': String(payload.length) } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  it('answers every ack body, query and blob name without a 5xx, and still serves afterwards', async () => {
    const start = sent;
    const ack = { boothId: rig.boothId, batchId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', batchHash: 'x', upTo: 1 };
    await fc.assert(
      fc.asyncProperty(bodies(ack), async (b) => {
        sent++;
        const status = await send('POST', '/sync/v1/ack', b);
        if (status >= 500) throw new Error(`ack ${status} for ${b.text.slice(0, 200)}`);
      }),
      { numRuns: PULL_RUNS },
    );
    const query = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.constantFrom('1e9', '-1', '0x10'),
    );
    await fc.assert(
      fc.asyncProperty(query, query, async (after, limit) => {
        sent++;
        const status = await send(
          'GET',
          `/sync/v1/batches?after=${encodeURIComponent(after)}&limit=${encodeURIComponent(limit)}`,
        );
        if (status >= 500) throw new Error(`batches ${status} for ${after} ${limit}`);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (id) => {
        sent++;
        const status = await send('GET', `/sync/v1/blobs/${encodeURIComponent(id)}`);
        if (status >= 500) throw new Error(`blob ${status} for ${id}`);
      }),
      { numRuns: 150 },
    );
    expect(sent - start).toBeGreaterThanOrEqual(1_300);
    expect(await send('GET', '/sync/v1/batches?after=0&limit=5')).toBe(200);
    expect(rig.sync.outbox?.ackedSeq).toBe(0);
  }, 240_000);

  it('sent at least 10,000 bodies in all', () => {
    expect(sent).toBeGreaterThanOrEqual(10_000);
  });
});
