import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../../device/config/load.js';
import { EventBus } from '../../../device/core/events.js';
import { MemoryLeds } from '../../../device/hardware/leds/memory.js';
import { setTuningPassword } from '../../../device/tuning/secrets.js';
import { Tuning, journalTo, tuningPaths } from '../../../device/tuning/tuning.js';
import { JournalRecordStore } from '../../../device/store/index.js';

/**
 * One Node-RED per test file (it cannot restart in one process), on a real loopback socket:
 * the admin API, a deployed flow with the booth's nodes, and http-in nodes as the test's probe.
 */
const PASSWORD = 'correct horse battery staple';
let dir: string;
let tuning: Tuning;
let base: string;
let store: JournalRecordStore;
const bus = new EventBus();
const leds = new MemoryLeds(400);
const clock = { now: () => Date.now(), monotonic: () => performance.now() };
/** The editor's credentials, which http-in routes require (HTTP Basic). */
const basic = (password = PASSWORD) => `Basic ${Buffer.from(`technician:${password}`).toString('base64')}`;

/** A raw request from a chosen loopback address (fetch cannot pick its source address). */
function raw(
  method: string,
  url: string,
  opts: { body?: string; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function token(password = PASSWORD): Promise<Response> {
  return fetch(`${base}auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope: '*',
      username: 'technician',
      password,
    }),
  });
}

async function deploy(flows: unknown[], accessToken: string): Promise<Response> {
  return fetch(`${base}flows`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${accessToken}`,
      'node-red-deployment-type': 'full',
      'node-red-api-version': 'v1',
    },
    body: JSON.stringify(flows),
  });
}

const z = 'test-tab';
/** Node-RED treats nodes without x/y as config nodes: give every flow node a position. */
function withPositions(nodes: Record<string, unknown>[]): Record<string, unknown>[] {
  return nodes.map((n, i) => (n.type === 'tab' ? n : { x: 100 + 10 * i, y: 40 * i, ...n }));
}
const testFlow = withPositions([
  { id: z, type: 'tab', label: 'test' },
  // POST /tuning/api/threshold {value} -> booth tune -> 200 {value}; refused -> catch -> 422 {error}
  { id: 'in-thr', type: 'http in', z, url: '/threshold', method: 'post', wires: [['to-payload']] },
  {
    id: 'to-payload',
    type: 'change',
    z,
    rules: [{ t: 'move', p: 'payload.value', pt: 'msg', to: 'payload', tot: 'msg' }],
    wires: [['tune']],
  },
  { id: 'tune', type: 'booth tune', z, key: 'face.match.threshold', wires: [['ok']] },
  {
    id: 'ok',
    type: 'change',
    z,
    rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"value": payload, "old": change.old}', tot: 'jsonata' }],
    wires: [['res']],
  },
  { id: 'catch', type: 'catch', z, scope: ['tune', 'led'], uncaught: false, wires: [['refused']] },
  {
    id: 'refused',
    type: 'change',
    z,
    rules: [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '422', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: '{"error": error.message}', tot: 'jsonata' },
    ],
    wires: [['res']],
  },
  { id: 'res', type: 'http response', z, statusCode: '', headers: {}, wires: [] },
  // booth event -> remembered in flow context; GET /tuning/api/events returns them
  { id: 'ev', type: 'booth event', z, events: 'visit.*, face.checked', wires: [['collect']] },
  // No function node on a booth: flow context and JSONata instead.
  {
    id: 'collect',
    type: 'change',
    z,
    rules: [
      {
        t: 'set',
        p: 'events',
        pt: 'flow',
        to: "$append($flowContext('events') ? $flowContext('events') : [], [{'topic': topic, 'seq': seq, 'payload': payload}])",
        tot: 'jsonata',
      },
    ],
    wires: [[]],
  },
  { id: 'in-ev', type: 'http in', z, url: '/events', method: 'get', wires: [['read']] },
  {
    id: 'read',
    type: 'change',
    z,
    rules: [
      { t: 'set', p: 'payload', pt: 'msg', to: "$flowContext('events') ? $flowContext('events') : []", tot: 'jsonata' },
    ],
    wires: [['res']],
  },
  // POST /tuning/api/led {pattern} -> booth led
  { id: 'in-led', type: 'http in', z, url: '/led', method: 'post', wires: [['led-payload']] },
  {
    id: 'led-payload',
    type: 'change',
    z,
    rules: [{ t: 'move', p: 'payload.pattern', pt: 'msg', to: 'payload', tot: 'msg' }],
    wires: [['led']],
  },
  { id: 'led', type: 'booth led', z, pattern: '', wires: [['res']] },
]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuning-nr-'));
  // Base values set here: the face feature owns the defaults and may change them.
  const config = parseConfig({
    dataDir: dir,
    face: { match: { threshold: 0.3 }, challenge: { kinds: ['blink', 'turn-left', 'turn-right'] } },
    tuning: { port: 0, limits: { 'face.match.threshold': { minimum: 0.25, maximum: 0.6 } } },
  });
  await setTuningPassword(dir, PASSWORD);
  await leds.start();
  store = new JournalRecordStore({ dataDir: dir, boothId: config.booth.id, config: config.store, clock, bus });
  await store.start();
  tuning = new Tuning({
    config,
    bus,
    clock,
    journal: journalTo(() => store, config.booth.id),
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    leds: () => leds,
  });
  await tuning.start();
  base = tuning.editorUrl;
  expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tuning\/$/);
});

afterAll(async () => {
  await tuning?.stop();
  await store?.stop();
  await leds.stop();
});

describe('embedded Node-RED', () => {
  it('installs the default site flow on first boot', async () => {
    const flows = JSON.parse(await readFile(join(tuningPaths(dir).userDir, 'flows.json'), 'utf8')) as {
      type: string;
    }[];
    expect(flows.map((n) => n.type)).toEqual(expect.arrayContaining(['booth event', 'booth tune', 'booth led']));
  });

  it('runs the default site flow: glare switches to the blink challenge; 3 rejections raise the alert', async () => {
    const emit = bus.emit.bind(bus) as (event: string, payload: unknown) => void;
    const waitFor = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    const check = (reasons: string[]) =>
      emit('face.checked', { purpose: 'live', faces: 1, reasons, liveness: 0.9, ms: 30 });
    // Two glare checks, then a clean one: the count restarts, nothing changes.
    check(['too_bright']);
    check(['backlit']);
    check([]);
    check(['too_bright']);
    check(['backlit']);
    await new Promise((r) => setTimeout(r, 200));
    expect(tuning.tunables.get('face.challenge.kinds')).toEqual(['blink', 'turn-left', 'turn-right']);
    check(['too_bright', 'blurry']);
    await waitFor(() => JSON.stringify(tuning.tunables.get('face.challenge.kinds')) === '["blink"]');
    expect(tuning.tunables.get('face.challenge.kinds')).toEqual(['blink']);

    const state = (from: string, to: string) => emit('visit.state', { visitId: 'v', from, to });
    state('capture', 'rejected');
    state('rejected', 'capture');
    state('capture', 'rejected');
    state('capture', 'projects'); // verified: the count restarts
    state('capture', 'rejected');
    state('capture', 'rejected');
    await new Promise((r) => setTimeout(r, 200));
    expect(leds.pattern).not.toBe('fault');
    state('capture', 'rejected');
    await waitFor(() => leds.pattern === 'fault');
    expect(leds.pattern).toBe('fault');
    // The tune was audited like any other.
    const audit = (await readFile(tuningPaths(dir).audit, 'utf8')).trim().split('\n');
    expect(JSON.parse(audit[0] ?? '')).toMatchObject({ key: 'face.challenge.kinds', new: ['blink'] });
  });

  it('refuses unauthenticated admin requests and wrong passwords', async () => {
    expect((await fetch(`${base}flows`)).status).toBe(401);
    expect((await fetch(`${base}settings`)).status).toBe(401);
    expect((await deploy([], 'not-a-token')).status).toBe(401);
    expect((await token('wrong')).status).toBe(403);
  });

  it('loads only the allowlisted nodes: no function, exec, file, template or outgoing network node', async () => {
    const { access_token } = (await (await token()).json()) as { access_token: string };
    const res = await fetch(`${base}nodes`, {
      headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    const sets = (await res.json()) as { id: string; types: string[]; err?: string }[];
    const types = sets.flatMap((s) => s.types);
    expect(types).toEqual(expect.arrayContaining(['booth event', 'booth tune', 'booth led', 'change', 'http in']));
    for (const t of [
      'function',
      'exec',
      'file',
      'file in',
      'watch',
      'template',
      'http request',
      'tcp request',
      'udp out',
      'websocket out',
      'mqtt out',
    ])
      expect(types).not.toContain(t);
    // Every node set loaded without an error (the booth's nodes share flows/nodes/lib/attach.cjs).
    expect(sets.filter((s) => s.err).map((s) => `${s.id}: ${s.err}`)).toEqual([]);
  });

  // issue 15: a flow cannot read the booth's keys nor go around the bridge.
  it('refuses to deploy a flow with a function node reading booth.key.pem, or one going around the bridge', async () => {
    const { access_token } = (await (await token()).json()) as { access_token: string };
    const before = await readFile(join(tuningPaths(dir).userDir, 'flows.json'), 'utf8');
    const canary = join(dir, 'stolen.txt');
    const steal = withPositions([
      { id: 'steal-tab', type: 'tab', label: 'steal' },
      { id: 'go', type: 'inject', z: 'steal-tab', once: true, onceDelay: 0.1, wires: [['fn']] },
      {
        id: 'fn',
        type: 'function',
        z: 'steal-tab',
        func:
          // The known escape: a host object's constructor reaches the host's Function, hence process.
          "const fs = msg.constructor.constructor('return process')().getBuiltinModule('fs');" +
          `fs.writeFileSync(${JSON.stringify(canary)}, fs.readFileSync(${JSON.stringify(join(dir, 'identity', 'booth.key.pem'))}));`,
        wires: [[]],
      },
    ]);
    const refused = await deploy(steal, access_token);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'BOOTH_ERR_TUNING_NODE_FORBIDDEN', types: ['function'] });
    // Around the bridge: straight to the kiosk API, or to the file system, in other spellings of the route.
    for (const [path, type] of [
      ['flows', 'http request'],
      ['FLOWS/', 'exec'],
      ['flow', 'file in'],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${access_token}`,
          'node-red-deployment-type': 'full',
        },
        body: JSON.stringify(
          path === 'flow'
            ? { id: 'x-tab', label: 'x', nodes: [{ id: 'x', type, z: 'x-tab', x: 1, y: 1, wires: [] }] }
            : [
                { id: 'x-tab', type: 'tab' },
                { id: 'x', type, z: 'x-tab', x: 1, y: 1, wires: [] },
              ],
        ),
      });
      expect(res.status, `${path} ${type}`).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 300));
    await expect(stat(canary)).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(tuningPaths(dir).userDir, 'flows.json'), 'utf8')).toBe(before);
  });

  it('http-in routes need the editor credentials (401 without, 401 wrong)', async () => {
    const none = await fetch(`${base}api/events`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await fetch(`${base}api/led`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}api/events`, { headers: { authorization: basic('wrong') } })).status).toBe(401);
  });

  it('locks out one client after repeated failed logins (429 + Retry-After), not another', async () => {
    const login = (password: string, localAddress: string) =>
      raw('POST', `${base}auth/token`, {
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'node-red-editor',
          grant_type: 'password',
          scope: '*',
          username: 'technician',
          password,
        }).toString(),
      });
    const a = '127.0.0.2';
    for (let i = 0; i < 6; i++) expect((await login(`guess-${i}`, a)).status).toBe(403);
    const locked = await login(PASSWORD, a);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(locked.body)).toMatchObject({ code: 'BOOTH_ERR_TUNING_LOCKED_OUT' });
    // Client B (the technician's tunnel) still logs in, over and over.
    for (let i = 0; i < 3; i++) expect((await login(PASSWORD, '127.0.0.1')).status).toBe(200);
  });

  it('keeps Node-RED`s session tokens and flow files private (0600, userDir 0700)', async () => {
    expect((await token()).status).toBe(200);
    const userDir = tuningPaths(dir).userDir;
    expect((await stat(userDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(userDir, '.sessions.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(userDir, 'flows.json'))).mode & 0o777).toBe(0o600);
  });

  it('deploys a flow whose booth tune changes the live threshold; out of range is refused', async () => {
    const res = await token();
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const deployed = await deploy(testFlow, access_token);
    expect(deployed.status).toBe(204);
    // Deploy returns before the new flows run: wait until their http-in routes answer.
    for (
      let i = 0;
      i < 100 && (await fetch(`${base}api/events`, { headers: { authorization: basic() } })).status !== 200;
      i++
    )
      await new Promise((r) => setTimeout(r, 50));

    const post = (path: string, body: unknown) =>
      fetch(`${base}api${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic() },
        body: JSON.stringify(body),
      });
    const ok = await post('/threshold', { value: 0.42 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ value: 0.42, old: 0.3 });
    expect(tuning.tunables.config.face.match.threshold).toBe(0.42);

    const refused = await post('/threshold', { value: 0.9 });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toMatch(/outside the site range 0.25..0.6/);
    expect(tuning.tunables.config.face.match.threshold).toBe(0.42);

    const wrongType = await post('/threshold', { value: 'high' });
    expect(wrongType.status).toBe(422);
    expect(tuning.tunables.get('face.match.threshold')).toBe(0.42);

    const audit = (await readFile(tuningPaths(dir).audit, 'utf8')).trim().split('\n');
    // One line from the default flow's challenge switch, one for this threshold change.
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[1] ?? '')).toMatchObject({ key: 'face.match.threshold', old: 0.3, new: 0.42 });
    // issue 15: and each change is a record of the hash-chained journal, with who, old and new.
    const records = await store.read(0, 1000);
    const tunes = records.filter((r) => r.kind === 'audit' && r.payload.event === 'tuning.changed');
    expect(tunes.map((r) => r.payload)).toEqual([
      expect.objectContaining({
        key: 'face.challenge.kinds',
        new: ['blink'],
        actor: 'technician@node-red:tune-challenge',
      }),
      expect.objectContaining({ key: 'face.match.threshold', old: 0.3, new: 0.42, actor: 'technician@node-red:tune' }),
    ]);
  });

  it('booth led drives the LEDs; a bad pattern is refused', async () => {
    const post = (body: unknown) =>
      fetch(`${base}api/led`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic() },
        body: JSON.stringify(body),
      });
    expect((await post({ pattern: 'fault' })).status).toBe(200);
    expect(leds.pattern).toBe('fault');
    const bad = await post({ pattern: 'disco' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toMatch(/LED command: \/: expected one of/);
    expect(leds.pattern).toBe('fault');
  });

  it('booth event delivers a visit`s events in order, with their payloads', async () => {
    // The visit events are declared by the visit workflow; emit them untyped here.
    const emit = bus.emit.bind(bus) as (event: string, payload: unknown) => void;
    emit('visit.started', { visit: 'v1' });
    emit('face.checked', { purpose: 'live', faces: 1, reasons: ['too_bright'], liveness: 0.9, ms: 40 });
    emit('hardware.state', { device: 'camera', state: 'ready', adapter: 'folder' });
    emit('face.checked', { purpose: 'live', faces: 1, reasons: [], liveness: 0.95, ms: 38 });
    emit('visit.verified', { visit: 'v1' });
    emit('visit.ended', { visit: 'v1' });
    const events = (await (await fetch(`${base}api/events`, { headers: { authorization: basic() } })).json()) as {
      topic: string;
      seq: number;
      payload: unknown;
    }[];
    expect(events.map((e) => e.topic)).toEqual([
      'visit.started',
      'face.checked',
      'face.checked',
      'visit.verified',
      'visit.ended',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[1]?.payload).toEqual({
      purpose: 'live',
      faces: 1,
      reasons: ['too_bright'],
      liveness: 0.9,
      ms: 40,
    });
  });
});
