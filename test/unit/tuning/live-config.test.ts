import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../device/config/load.js';
import { EventBus } from '../../../device/core/events.js';
import { FaceEngine } from '../../../device/face/engine.js';
import { liveView } from '../../../device/tuning/live-config.js';
import { Tunables } from '../../../device/tuning/tunables.js';

describe('live config view', () => {
  it('a section held since construction shows each later tune', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'live-'));
    const config = parseConfig({ dataDir: dir, face: { match: { threshold: 0.3 } } });
    const tunables = new Tunables({
      config,
      file: join(dir, 't.json'),
      auditFile: join(dir, 'a.jsonl'),
      bus: new EventBus(),
      clock: { now: () => 0, monotonic: () => 0 },
      journal: () => Promise.resolve(),
    });
    // What the booth hands the visit feature, which gives `config.face` to the face engine.
    const engine = new FaceEngine({ settings: tunables.live.face, bus: new EventBus() });
    const match = tunables.live.face.match;
    expect(engine.settings.match.threshold).toBe(0.3);
    await tunables.set('face.match.threshold', 0.45, 'test');
    expect(engine.settings.match.threshold).toBe(0.45);
    expect(match.threshold).toBe(0.45);
    await tunables.set('face.challenge.kinds', ['blink'], 'test');
    expect(engine.settings.challenge.kinds).toEqual(['blink']);
    expect(tunables.live.dataDir).toBe(config.dataDir);
  });

  it('behaves like a plain read-only object: keys, spread, JSON, in; writes refused', () => {
    let current = { a: { b: 1, list: [1, 2] }, n: null as null | number };
    const live = liveView(() => current);
    expect(Object.keys(live)).toEqual(['a', 'n']);
    expect({ ...live.a }).toEqual({ b: 1, list: [1, 2] });
    expect(JSON.parse(JSON.stringify(live))).toEqual(current);
    expect('b' in live.a).toBe(true);
    const a = live.a;
    current = { a: { b: 2, list: [3] }, n: 5 };
    expect([a.b, a.list, live.n]).toEqual([2, [3], 5]);
    expect(() => {
      (live.a as { b: number }).b = 9;
    }).toThrow(/read-only/);
    expect(current.a.b).toBe(2);
  });
});
