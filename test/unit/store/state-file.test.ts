import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { openStateFile } from '../../../device/store/state-file.js';
import { tempDir } from '../../fixtures/store/helpers.js';

const Schema = Type.Object({ cursor: Type.Integer({ minimum: 0 }), names: Type.Array(Type.String()) });
const defaults = () => ({ cursor: 0, names: [] as string[] });

let dir: { path: string; cleanup: () => Promise<void> };
let path: string;
beforeEach(async () => {
  dir = await tempDir('booth-state-');
  path = join(dir.path, 'state', 'cursor.json');
});
afterEach(async () => {
  await dir.cleanup();
});

async function writeTwice(): Promise<void> {
  const { db } = await openStateFile(path, Schema, defaults);
  db.data.cursor = 1;
  await db.write();
  db.data.cursor = 2;
  db.data.names.push('b');
  await db.write();
}

describe('durable lowdb state file', () => {
  it('starts from defaults, writes, and reads back (checksummed envelope, last good copy kept)', async () => {
    await writeTwice();
    const { db, adapter } = await openStateFile(path, Schema, defaults);
    expect(db.data).toEqual({ cursor: 2, names: ['b'] });
    expect(adapter.source).toBe('file');
    const bak = JSON.parse(await readFile(`${path}.bak`, 'utf8')) as { data: unknown };
    expect(bak.data).toEqual({ cursor: 1, names: [] });
  });

  it('recovers the last good copy from a zero-length file, and says so', async () => {
    await writeTwice();
    await writeFile(path, '');
    const { db, adapter } = await openStateFile(path, Schema, defaults);
    expect(db.data).toEqual({ cursor: 1, names: [] });
    expect(adapter.source).toBe('backup');
    expect(adapter.problem).toBe('cursor.json: empty; recovered the last good copy');
  });

  it('recovers from a torn file, a checksum mismatch and content that breaks the schema', async () => {
    await writeTwice();
    const good = await readFile(path, 'utf8');
    for (const [bad, problem] of [
      [good.slice(0, 20), /not valid JSON/],
      [good.replace('"cursor":2', '"cursor":3'), /checksum mismatch/],
    ] as const) {
      await writeFile(path, bad);
      const { db, adapter } = await openStateFile(path, Schema, defaults);
      expect(db.data.cursor).toBe(1);
      expect(adapter.problem).toMatch(problem);
    }
    const StrictSchema = Type.Object({ cursor: Type.Integer({ minimum: 5 }), names: Type.Array(Type.String()) });
    const { db, adapter } = await openStateFile(path, StrictSchema, () => ({ cursor: 5, names: [] }));
    expect(db.data).toEqual({ cursor: 5, names: [] });
    expect(adapter.problem).toMatch(/content does not match its schema.*starting from defaults/);
  });

  it('a write after recovery does not let a damaged file replace the good backup', async () => {
    await writeTwice();
    await writeFile(path, '');
    const { db } = await openStateFile(path, Schema, defaults);
    db.data.cursor = 7;
    await db.write();
    await writeFile(path, '{"half');
    const again = await openStateFile(path, Schema, defaults);
    expect(again.db.data.cursor).toBe(1); // the backup was kept: the empty file was never promoted
  });

  it('serialises concurrent writes: the last one wins, and the file is always whole', async () => {
    const { db } = await openStateFile(path, Schema, defaults);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        db.data = { cursor: i, names: [String(i)] };
        return db.write();
      }),
    );
    const again = await openStateFile(path, Schema, defaults);
    expect(again.db.data).toEqual({ cursor: 19, names: ['19'] });
    expect(again.adapter.source).toBe('file');
  });

  it('a write that fails (here the file is a directory; ENOSPC alike) leaves no temporary file behind', async () => {
    const { db } = await openStateFile(path, Schema, defaults);
    await mkdir(path, { recursive: true });
    db.data.cursor = 3;
    await expect(db.write()).rejects.toThrow();
    expect((await readdir(join(dir.path, 'state'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
