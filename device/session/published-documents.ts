import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../store/fsync.js';

/**
 * The published PDFs of the packages the booth holds, named by their SHA-256 (the hash the
 * signed package names), one file each however many packages name it: inline documents are
 * written here at install, documents published by url are fetched here over the package
 * channel. A file gets here only after its bytes were hashed on the way in, so its name is its
 * content. The sealer reads the original of a document from here (`path(sha256)`).
 */
export class PublishedDocuments {
  constructor(readonly dir: string) {}

  path(sha256: string): string {
    return join(this.dir, `${sha256}.pdf`);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** Moves a staged file (already hashed to `sha256`) into place; durable. */
  async adopt(staged: string, sha256: string): Promise<void> {
    await rename(staged, this.path(sha256));
    await syncDir(this.dir);
  }

  /** Deletes every document no held package names any more; returns how many. */
  async prune(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const m = /^([0-9a-f]{64})\.pdf$/.exec(name);
      if (!m || keep.has(m[1] as string)) continue;
      await rm(join(this.dir, name), { force: true });
      removed++;
    }
    if (removed > 0) await syncDir(this.dir);
    return removed;
  }
}
