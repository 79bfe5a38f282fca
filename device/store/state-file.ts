import { open, readFile, rename, rm, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { Low, type Adapter } from 'lowdb';
import type { Static, TSchema } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { syncDir } from './fsync.js';

/**
 * Small state (cursors, device state, session index) in lowdb, behind an adapter that makes
 * each write survive a power cut: temp file -> fsync -> keep the current file as `.bak` (the
 * last good copy) -> rename temp over the file -> fsync the directory. Each file carries a
 * SHA-256 of its content, so a torn, empty or hand-damaged file is detected and the last good
 * copy used instead; both bad -> defaults, and the caller is told (never a crash loop).
 * lowdb's own JSONFile does no fsync and JSONFilePreset switches to memory under NODE_ENV=test,
 * hence this adapter. One writer per file: writes are serialised here, and the data directory
 * lock keeps a second process out.
 */
interface Envelope {
  sha256: string;
  data: unknown;
}

export type StateSource = 'file' | 'backup' | 'defaults';

export class DurableJsonAdapter<T> implements Adapter<T> {
  /** Where the last read() got its data from (for the recovery report). */
  source: StateSource = 'defaults';
  problem: string | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly isValid: (data: unknown) => boolean,
  ) {}

  get backupPath(): string {
    return `${this.path}.bak`;
  }

  async read(): Promise<T | null> {
    const main = await this.load(this.path);
    if (main.ok) {
      this.source = 'file';
      return main.data;
    }
    const bak = await this.load(this.backupPath);
    if (bak.ok) {
      this.source = 'backup';
      this.problem = `${basename(this.path)}: ${main.problem}; recovered the last good copy`;
      return bak.data;
    }
    this.source = 'defaults';
    this.problem =
      main.problem === 'missing' && bak.problem === 'missing'
        ? null
        : `${basename(this.path)}: ${main.problem}, backup ${bak.problem}; starting from defaults`;
    return null;
  }

  private async load(path: string): Promise<{ ok: true; data: T } | { ok: false; problem: string }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, problem: 'missing' };
      throw err;
    }
    if (text.length === 0) return { ok: false, problem: 'empty' };
    let env: Envelope;
    try {
      env = JSON.parse(text) as Envelope;
    } catch {
      return { ok: false, problem: 'not valid JSON (torn or damaged)' };
    }
    if (typeof env !== 'object' || env === null || typeof env.sha256 !== 'string')
      return { ok: false, problem: 'no checksum envelope' };
    if (sha256(JSON.stringify(env.data)) !== env.sha256) return { ok: false, problem: 'checksum mismatch' };
    if (!this.isValid(env.data)) return { ok: false, problem: 'content does not match its schema' };
    return { ok: true, data: env.data as T };
  }

  write(data: T): Promise<void> {
    const run = this.chain.then(() => this.doWrite(data));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doWrite(data: T): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const json = JSON.stringify(data);
    const text = JSON.stringify({ sha256: sha256(json), data }) + '\n';
    const tmp = join(dir, `.${basename(this.path)}.tmp`);
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      // The current file becomes the last good copy only if it is good: a damaged file must not
      // overwrite a good backup.
      if ((await this.load(this.path)).ok) await rename(this.path, this.backupPath);
      await rename(tmp, this.path);
    } catch (err) {
      // A failed write (ENOSPC, EIO) leaves the file as it was and no temporary copy behind.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await syncDir(dir);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
    await rm(this.backupPath, { force: true });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface StateFile<S extends TSchema> {
  db: Low<Static<S>>;
  adapter: DurableJsonAdapter<Static<S>>;
}

/**
 * Opens one state file validated by a TypeBox schema; `defaults` must itself be valid. The
 * returned db.data is always a valid value.
 */
export async function openStateFile<S extends TSchema>(
  path: string,
  schema: S,
  defaults: () => Static<S>,
): Promise<StateFile<S>> {
  const validator = compileValidator(schema);
  const adapter = new DurableJsonAdapter<Static<S>>(path, (d) => validator.check(d).ok);
  const db = new Low<Static<S>>(adapter, defaults());
  await db.read();
  if (adapter.source === 'defaults') db.data = defaults();
  return { db, adapter };
}
