import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BoothError } from '../protocol/errors.js';
import { writeFileDurable } from '../protocol/crypto/key-files.js';

/**
 * Content-addressed files: published PDFs (named `h-<sha256>`) and the sealed revisions booths
 * send (named by the blob id their sign records give: `h-<sha256>`, or `h-<sm3>` from a booth on
 * the SM suite). A file is only ever complete under its final name: uploads grow `<id>.part`
 * (resumable: the next piece starts where the part ends) and are checked against the name
 * before the rename. The database's `blobs` table says what is held; these files are the bytes.
 */
export const BLOB_ID = /^h-[0-9a-f]{64}$/;

export class BlobFiles {
  constructor(readonly dir: string) {}

  pathOf(id: string): string {
    if (!BLOB_ID.test(id)) throw new BoothError('BOOTH_ERR_BAD_INPUT', `blob id: expected h-<64 hex>, got "${id}"`);
    return join(this.dir, id.slice(2, 4), id);
  }

  private partOf(id: string): string {
    return `${this.pathOf(id)}.part`;
  }

  /** Stores complete bytes under their SHA-256 name; returns the id. */
  async put(bytes: Buffer): Promise<string> {
    const id = `h-${createHash('sha256').update(bytes).digest('hex')}`;
    const path = this.pathOf(id);
    if (!(await this.size(path))) await writeFileDurable(path, bytes, 0o600);
    return id;
  }

  /** Bytes held of an incomplete upload (0 when none), or the full size once complete. */
  async received(id: string): Promise<{ received: number; complete: boolean }> {
    const full = await this.size(this.pathOf(id));
    if (full !== null) return { received: full, complete: true };
    return { received: (await this.size(this.partOf(id))) ?? 0, complete: false };
  }

  /**
   * Appends one piece at `offset` (must equal what is held: BOOTH_ERR_CONFLICT otherwise, with the
   * right offset). When the piece reaches `size`, the whole is checked against `id` (SHA-256 or
   * SM3) and renamed into place; a mismatch discards the part (BOOTH_ERR_BAD_INPUT).
   */
  async append(
    id: string,
    offset: number,
    size: number,
    piece: Buffer,
  ): Promise<{ received: number; complete: boolean }> {
    const have = await this.received(id);
    if (have.complete) return have;
    if (offset !== have.received)
      throw new BoothError('BOOTH_ERR_CONFLICT', `blob ${id}: expected offset ${have.received}, got ${offset}`, {
        received: have.received,
      });
    if (offset + piece.length > size)
      throw new BoothError(
        'BOOTH_ERR_BAD_INPUT',
        `blob ${id}: piece ends at ${offset + piece.length}, beyond size ${size}`,
      );
    const part = this.partOf(id);
    await mkdir(dirname(part), { recursive: true, mode: 0o700 });
    const fh = await open(part, 'a', 0o600);
    try {
      await fh.write(piece);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const received = offset + piece.length;
    if (received < size) return { received, complete: false };
    if (!(await this.matches(part, id))) {
      await rm(part, { force: true });
      throw new BoothError('BOOTH_ERR_BAD_INPUT', `blob ${id}: the ${size} bytes received do not match its name`);
    }
    await rename(part, this.pathOf(id));
    return { received, complete: true };
  }

  /** A stream of a complete blob from `start` to `end` (inclusive; default: to the end), for Range requests. */
  read(id: string, start = 0, end?: number): ReadStream {
    return createReadStream(this.pathOf(id), end === undefined ? { start } : { start, end });
  }

  private async matches(path: string, id: string): Promise<boolean> {
    const want = id.slice(2);
    const sha = createHash('sha256');
    const sm3 = createHash('sm3');
    for await (const chunk of createReadStream(path)) {
      sha.update(chunk as Buffer);
      sm3.update(chunk as Buffer);
    }
    return sha.digest('hex') === want || sm3.digest('hex') === want;
  }

  private async size(path: string): Promise<number | null> {
    try {
      return (await stat(path)).size;
    } catch {
      return null;
    }
  }
}
