import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../../../device/paths.js';
import { PRODUCTION_ENV } from '../../../device/systemd/environment.js';

/** The booth's process environment is written in three places; they must agree. */
describe('production environment', () => {
  const entries = Object.entries(PRODUCTION_ENV);

  it('is set by the systemd unit', async () => {
    const unit = await readFile(join(projectDir(), 'systemd', 'booth.service'), 'utf8');
    for (const [k, v] of entries) expect(unit).toMatch(new RegExp(`^Environment=${k}=${v}$`, 'm'));
  });

  it('is set by npm start', async () => {
    const pkg = JSON.parse(await readFile(join(projectDir(), 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const [k, v] of entries) expect(pkg.scripts.start).toContain(`${k}=${v} `);
  });

  it('names only variables a bench child can copy (non-empty strings)', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const [k, v] of entries) {
      expect(k).toMatch(/^[A-Z_][A-Z0-9_]*$/);
      expect(v).not.toBe('');
    }
  });
});
