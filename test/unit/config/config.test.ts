import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, resolveConfigSource } from '../../../device/config/load.js';

describe('config validation', () => {
  it('fills laptop defaults from an empty object', () => {
    const c = parseConfig({});
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.hardware.camera.mode).toBe('auto');
    expect(c.hardware.leds.pins).toEqual({ red: 17, green: 27, amber: 22 });
    expect(Object.isFrozen(c.hardware.camera)).toBe(true);
  });

  it('names the field and the expected type', () => {
    expect(() => parseConfig({ http: { port: 'abc' } })).toThrow(/\/http\/port: expected integer/);
  });

  it('names every bad field at once', () => {
    try {
      parseConfig({ http: { port: 70000 }, hardware: { camera: { mode: 'maybe' } }, bogus: 1 });
      expect.unreachable();
    } catch (err) {
      const problems = (err as { details: { problems: { field: string; expected: string }[] } }).details.problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          { field: '/http/port', expected: 'a number <= 65535' },
          { field: '/hardware/camera/mode', expected: 'one of "real", "sim", "auto"' },
          { field: '/bogus', expected: 'no such field (unknown)' },
        ]),
      );
    }
  });

  it('refuses an unknown version', () => {
    expect(() => parseConfig({ version: 2 })).toThrow(/\/version: expected exactly 1/);
  });

  it('does not change the input on failure', () => {
    const raw = { http: { port: 'abc' } };
    expect(() => parseConfig(raw)).toThrow();
    expect(raw).toEqual({ http: { port: 'abc' } });
  });

  it('applies --hardware and --port overrides', () => {
    const c = parseConfig({}, 'x', { hardware: 'sim', port: 0 });
    expect([c.hardware.camera.mode, c.hardware.tablet.mode, c.hardware.leds.mode]).toEqual(['sim', 'sim', 'sim']);
    expect(c.http.port).toBe(0);
  });
});

describe('config source and file', () => {
  it('--config wins over BOOTH_CONFIG, which wins over the default', () => {
    expect(resolveConfigSource('/a.json', { BOOTH_CONFIG: '/b.json' })).toEqual({ path: '/a.json', origin: 'flag' });
    expect(resolveConfigSource(undefined, { BOOTH_CONFIG: '/b.json' })).toEqual({ path: '/b.json', origin: 'env' });
    expect(resolveConfigSource(undefined, {})).toMatchObject({ origin: 'default' });
  });

  it('uses defaults when the default file is absent, but not an explicit one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-cfg-'));
    const missing = join(dir, 'none.json');
    const d = await loadConfig({ path: missing, origin: 'default' });
    expect(d.source.path).toBeNull();
    await expect(loadConfig({ path: missing, origin: 'flag' })).rejects.toMatchObject({
      code: 'BOOTH_ERR_CONFIG_UNREADABLE',
    });
  });

  it('reports broken JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'booth-cfg-'));
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"http": ');
    await expect(loadConfig({ path: file, origin: 'flag' })).rejects.toMatchObject({
      code: 'BOOTH_ERR_CONFIG_INVALID',
      message: expect.stringContaining('not valid JSON'),
    });
  });
});
