import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
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
  const deps = { config, file: join(dir, 'tunables.json'), auditFile: join(dir, 'audit.jsonl'), bus, clock };
  return { dir, config, bus, events, deps, tunables: new Tunables(deps) };
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
    await expect(tunables.set('face.match.threshold', 0.2, 'x')).rejects.toThrow(/outside the site range 0.28..0.5/);
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
});
