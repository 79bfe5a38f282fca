import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileDurable } from '../../../protocol/crypto/key-files.js';

describe('writeFileDurable', () => {
  it('survives concurrent writes of one file in one process (the temp name was per process: ENOENT on rename)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'durable-'));
    try {
      const path = join(dir, 'ca.crl.pem');
      const texts = Array.from({ length: 20 }, (_, i) => `list ${i}\n`);
      await Promise.all(texts.map((t) => writeFileDurable(path, t, 0o644)));
      expect(texts).toContain(await readFile(path, 'utf8'));
      expect(await readdir(dir)).toEqual(['ca.crl.pem']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
