import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from './fsync.js';
import { BoothError } from '../../protocol/errors.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';
import { exists } from '../paths.js';
import type { CryptoSuite } from '../../protocol/records/crypto-suite.js';

/**
 * Content-addressed files for large artifacts (sealed PDFs, signature dynamics, templates),
 * each written durably (temp, fsync, rename, fsync dir), so a second put of the same bytes is
 * free and a reader can check what it got.
 *  - plain blobs: id `h-<hash of the bytes>`, stored as is;
 *  - sensitive blobs: id `k-<keyed MAC of the bytes>` (a plain hash would let anyone holding a
 *    candidate template confirm it), stored sealed with the data key, the id bound as AAD.
 */
export const BLOB_ID_RE = /^(h|k)-[0-9a-f]{64}$/;

export class BlobStore {
  constructor(
    private readonly dir: string,
    private readonly suite: CryptoSuite,
    private readonly dataKey: Buffer,
  ) {}

  pathOf(id: string): string {
    if (!BLOB_ID_RE.test(id))
      throw new BoothError('BOOTH_ERR_BAD_INPUT', `blob id: expected h-<64 hex> or k-<64 hex>, got "${id}"`);
    return join(this.dir, id.slice(2, 4), id);
  }

  idFor(bytes: Buffer, sensitive: boolean): string {
    return sensitive ? `k-${this.suite.mac(bytes, this.dataKey)}` : `h-${this.suite.hash(bytes)}`;
  }

  async put(bytes: Buffer, sensitive: boolean): Promise<string> {
    const id = this.idFor(bytes, sensitive);
    const path = this.pathOf(id);
    if (await exists(path)) return id;
    const data = sensitive ? this.suite.seal(bytes, this.dataKey, Buffer.from(id)) : bytes;
    await writeFileDurable(path, data, 0o600);
    return id;
  }

  async get(id: string): Promise<Buffer> {
    const path = this.pathOf(id);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BoothError(
          'BOOTH_ERR_NOT_FOUND',
          `blob ${id}: not in the store (never stored or deleted by retention)`,
        );
      throw err;
    }
    if (id.startsWith('k-')) return this.suite.open(data, this.dataKey, Buffer.from(id));
    if (`h-${this.suite.hash(data)}` !== id)
      throw new BoothError('BOOTH_ERR_STORE_FAULT', `blob ${id}: content does not match its hash (damaged file)`);
    return data;
  }

  /** Where a plain blob's bytes are and how many (streaming and pieces for sync); null when absent. */
  async file(id: string): Promise<{ path: string; size: number } | null> {
    if (!id.startsWith('h-'))
      throw new BoothError('BOOTH_ERR_BAD_INPUT', `blob ${id}: only plain (h-) blobs are read as files`);
    const path = this.pathOf(id);
    const s = await stat(path).catch(() => null);
    return s ? { path, size: s.size } : null;
  }

  /** Moves a blob out of the store into `dir` (kept for an investigation); its new path, or null when absent. */
  async moveOut(id: string, dir: string, name: string): Promise<string | null> {
    const from = this.pathOf(id);
    if (!(await exists(from))) return null;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const to = join(dir, name);
    await rename(from, to);
    await syncDir(dir);
    return to;
  }

  async has(id: string): Promise<boolean> {
    return exists(this.pathOf(id));
  }

  async delete(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }
}
