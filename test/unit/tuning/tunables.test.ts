import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../device/config/load.js';
import { EventBus } from '../../../device/core/events.js';
import { isBoothError } from '../../../protocol/errors.js';
import { Tunables, type TuneChange } from '../../../device/tuning/tunables.js';
import { availableTunables, schemaAt } from '../../../device/tuning/catalogue.js';
import { BoothConfigSchema } from '../../../device/config/schema.js';

const clock = { now: () => 1_700_000_000_000, monotonic: () => 0 };

async function make(raw: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tunables-'));
  // Base values set here: the face and signature features own the defaults and may change them.
  const config = parseConfig({
    dataDir: dir,
    face: { match: { threshold: 0.3, margin: 0.08 } },
    signature: { timeoutMs: 60_000 },
    ...raw,
  });
  const bus = new EventBus();
  const events: { name: string; payload: unknown }[] = [];
  bus.onAny('test', (name, payload) => events.push({ name, payload }));
  const journaled: TuneChange[] = [];
  const deps = {
    config,
    file: join(dir, 'tunables.json'),
    auditFile: join(dir, 'audit.jsonl'),
    bus,
    clock,
    journal: (c: TuneChange) => {
      journaled.push(c);
      return Promise.resolve();
    },
  };
  return { dir, config, bus, events, deps, journaled, tunables: new Tunables(deps) };
}

describe('catalogue', () => {
  it('offers only keys whose path exists in the config schema', () => {
    const keys = [...availableTunables().keys()];
    expect(keys).toContain('face.match.threshold');
    for (const k of keys) expect(schemaAt(BoothConfigSchema, k)).not.toBeNull();
    expect(schemaAt(BoothConfigSchema, 'face.match.nope')).toBeNull();
  });
});

describe('Tunables', () => {
  it('changes the live value, persists it, audits old and new, and notifies subscribers', async () => {
    const { tunables, deps, events, config } = await make();
    const seen: TuneChange[] = [];
    tunables.subscribe('face.match.threshold', (c) => seen.push(c));
    const change = await tunables.set('face.match.threshold', 0.4, 'flow:test');
    expect(change).toEqual({ key: 'face.match.threshold', old: 0.3, new: 0.4, actor: 'flow:test', at: clock.now() });
    expect(tunables.config.face.match.threshold).toBe(0.4);
    expect(Object.isFrozen(tunables.config.face.match)).toBe(true);
    expect(config.face.match.threshold).toBe(0.3);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(await readFile(deps.file, 'utf8'))).toEqual({ 'face.match.threshold': 0.4 });
    const audit = (await readFile(deps.auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TuneChange);
    expect(audit).toEqual([{ event: 'tuning.changed', ...change }]);
    expect(events.filter((e) => e.name === 'tuning.changed').map((e) => e.payload)).toEqual([change]);

    const again = new Tunables(deps);
    await again.load();
    expect(again.get('face.match.threshold')).toBe(0.4);
  });

  it('refuses a value outside the schema bounds, names the field, and keeps the old value', async () => {
    const { tunables, deps, events } = await make();
    const err = await tunables.set('face.match.margin', 5, 'flow:test').catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_TUNABLE_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/\/face\/match\/margin: expected a number <= 2/);
    expect(tunables.get('face.match.margin')).toBe(0.08);
    await expect(readFile(deps.file, 'utf8')).rejects.toThrow(/ENOENT/);
    expect(events.map((e) => e.name)).toEqual(['tuning.refused']);
  });

  it('refuses a value inside the schema but outside the site range', async () => {
    const { tunables } = await make({
      tuning: { limits: { 'face.match.threshold': { minimum: 0.28, maximum: 0.5 } } },
    });
    const err = await tunables.set('face.match.threshold', 0.2, 'x').catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_TUNABLE_OUT_OF_LIMITS')).toBe(true);
    expect((err as Error).message).toMatch(/outside the site range 0.28..0.5/);
    expect(tunables.get('face.match.threshold')).toBe(0.3);
    await tunables.set('face.match.threshold', 0.28, 'x');
    expect(tunables.get('face.match.threshold')).toBe(0.28);
  });

  it('refuses wrong types and unknown keys', async () => {
    const { tunables } = await make();
    await expect(tunables.set('face.match.threshold', '0.4', 'x')).rejects.toThrow(/expected number/);
    const unknown = await tunables.set('http.port', 9, 'x').catch((e: unknown) => e);
    expect(isBoothError(unknown, 'BOOTH_ERR_TUNABLE_UNKNOWN')).toBe(true);
    expect(tunables.config.http.port).toBe(8080);
  });

  it('reset returns to the config file value and drops the override', async () => {
    const { tunables, deps } = await make();
    await tunables.set('face.match.margin', 0.1, 'x');
    await tunables.reset('face.match.margin', 'x');
    expect(tunables.get('face.match.margin')).toBe(0.08);
    expect(JSON.parse(await readFile(deps.file, 'utf8'))).toEqual({});
  });

  it('serialises concurrent sets: the last one wins in memory and on disk', async () => {
    const { tunables, deps } = await make();
    await Promise.all([0.31, 0.32, 0.33].map((v) => tunables.set('face.match.threshold', v, 'x')));
    expect(tunables.get('face.match.threshold')).toBe(0.33);
    expect(JSON.parse(await readFile(deps.file, 'utf8'))).toEqual({ 'face.match.threshold': 0.33 });
    const audit = (await readFile(deps.auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TuneChange);
    expect(audit.map((a) => [a.old, a.new])).toEqual([
      [0.3, 0.31],
      [0.31, 0.32],
      [0.32, 0.33],
    ]);
  });

  // issue 15: every security-relevant tunable has site limits; every change is journaled.
  it.each([
    ['face.liveness.threshold', 0],
    ['face.liveness.threshold', 0.95],
    ['face.match.margin', 0],
    ['face.liveness.minFrames', 1],
    ['face.challenge.windowMs', 500],
    ['face.challenge.windowMs', 30_000],
    ['face.challenge.turnYaw', 5],
    ['face.match.threshold', -1],
  ])('refuses %s = %s by the default site limits, coded, nothing changed', async (key, value) => {
    const { tunables, deps, journaled } = await make();
    const before = tunables.get(key);
    const err = await tunables.set(key, value, 'x').catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_TUNABLE_OUT_OF_LIMITS')).toBe(true);
    expect(tunables.get(key)).toBe(before);
    expect(journaled).toEqual([]);
    await expect(readFile(deps.file, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('has a default site limit for every security-relevant key, and the generous challenge window', async () => {
    const { config, tunables } = await make();
    const limits = config.tuning.limits as Record<string, unknown>;
    for (const key of [
      'face.match.threshold',
      'face.match.margin',
      'face.liveness.threshold',
      'face.liveness.minFrames',
      'face.liveness.screenPeakMax',
      'face.challenge.livenessMin',
      'face.challenge.kinds',
      'face.challenge.windowMs',
      'visit.framesToDecide',
      'visit.maxAttempts',
      'visit.lockoutMs',
    ])
      expect(limits[key], key).toBeDefined();
    // Overriding one bound keeps the other's default.
    const narrowed = parseConfig({ dataDir: '/tmp/x', tuning: { limits: { 'face.match.margin': { minimum: 0.05 } } } });
    expect(narrowed.tuning.limits['face.match.margin']).toEqual({ minimum: 0.05, maximum: 0.3 });
    await tunables.set('face.challenge.windowMs', 4000, 'x');
    await tunables.set('face.challenge.windowMs', 10_000, 'x');
    expect(tunables.get('face.challenge.windowMs')).toBe(10_000);
  });

  it('refuses a challenge-kinds list shorter than the site minimum', async () => {
    const { tunables } = await make({ tuning: { limits: { 'face.challenge.kinds': { minItems: 2 } } } });
    const err = await tunables.set('face.challenge.kinds', ['blink'], 'x').catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_TUNABLE_OUT_OF_LIMITS')).toBe(true);
    await tunables.set('face.challenge.kinds', ['blink', 'turn-left'], 'x');
    expect(tunables.get('face.challenge.kinds')).toEqual(['blink', 'turn-left']);
  });

  it('allows the config file value back (reset) even outside the site range', async () => {
    const { tunables } = await make({ face: { liveness: { threshold: 0.2 } } });
    await tunables.set('face.liveness.threshold', 0.5, 'x');
    await tunables.reset('face.liveness.threshold', 'x');
    expect(tunables.get('face.liveness.threshold')).toBe(0.2);
  });

  it('drops a saved override that is now outside the site limits', async () => {
    const { deps } = await make();
    await writeFile(deps.file, JSON.stringify({ 'face.liveness.threshold': 0 }));
    const warnings: string[] = [];
    const t = new Tunables({ ...deps, warn: (m) => warnings.push(m) });
    await t.load();
    expect(t.get('face.liveness.threshold')).toBe(0.5);
    expect(warnings.join()).toMatch(/outside the site range/);
  });

  it('journals each change (who, old, new) before it applies; a journal failure refuses it', async () => {
    const { tunables, journaled, deps } = await make();
    await tunables.set('face.liveness.threshold', 0.6, 'technician@node-red:n1');
    expect(journaled).toEqual([
      { key: 'face.liveness.threshold', old: 0.5, new: 0.6, actor: 'technician@node-red:n1', at: clock.now() },
    ]);
    const failing = new Tunables({ ...deps, journal: () => Promise.reject(new Error('journal full')) });
    await failing.load();
    await expect(failing.set('face.liveness.threshold', 0.7, 'x')).rejects.toThrow(/journal full/);
    expect(failing.get('face.liveness.threshold')).toBe(0.6);
    expect(JSON.parse(await readFile(deps.file, 'utf8'))).toEqual({ 'face.liveness.threshold': 0.6 });
  });
});
