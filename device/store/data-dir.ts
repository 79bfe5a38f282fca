import { mkdir, open, readFile, rm, access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { hostPaths } from '../paths.js';

/**
 * The booth's data directory, held by one process at a time: a lock file keeps a second booth
 * (or a doctor run against the live data) from writing beside it. The lock names its holder by
 * pid, boot id and the process's start time, because a pid alone is reused: after a reboot (or
 * enough process churn) the pid of a lock left behind often belongs to some unrelated live
 * process, and a bare-pid check would keep the booth from ever starting again. A lock is taken
 * over when its holder is dead, runs in another boot, or is a process with another start time.
 */
export interface DataDirOptions {
  /** Root of procfs (boot id, process start times); tests point it at a fixture tree. */
  procDir?: string;
}

/** What a lock file says about its holder (null: unknown, e.g. no procfs or an old bare-pid lock). */
export interface LockHolder {
  pid: number;
  bootId: string | null;
  startTime: string | null;
}

export class DataDir {
  private locked = false;
  private readonly procDir: string;

  constructor(
    readonly path: string,
    o: DataDirOptions = {},
  ) {
    this.procDir = o.procDir ?? hostPaths().procDir;
  }

  get lockFile(): string {
    return join(this.path, 'booth.lock');
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    await access(this.path, constants.W_OK).catch(() => {
      throw new BoothError('BOOTH_ERR_NOT_READY', `data directory ${this.path} is not writable`);
    });
    const me: LockHolder = {
      pid: process.pid,
      bootId: await this.bootId(),
      startTime: await this.startTime(process.pid),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.writeFile(`${JSON.stringify(me)}\n`);
        await fh.sync();
        await fh.close();
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = await this.readHolder();
        if (holder && holder.pid !== process.pid && (await this.holds(holder, me))) {
          throw new BoothError('BOOTH_ERR_CONFLICT', `data directory ${this.path} is in use by process ${holder.pid}`, {
            pid: holder.pid,
          });
        }
        await rm(this.lockFile, { force: true });
      }
    }
    throw new BoothError('BOOTH_ERR_CONFLICT', `cannot lock ${this.lockFile}`);
  }

  get isOpen(): boolean {
    return this.locked;
  }

  async close(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    await rm(this.lockFile, { force: true });
  }

  /** The holder named by the lock file: JSON, or the bare pid older booths wrote; null if unreadable. */
  private async readHolder(): Promise<(LockHolder & { legacy: boolean }) | null> {
    const text = (await readFile(this.lockFile, 'utf8').catch(() => '')).trim();
    if (/^\d+$/.test(text)) return { pid: Number(text), bootId: null, startTime: null, legacy: true };
    try {
      const o = JSON.parse(text) as Partial<LockHolder>;
      if (!Number.isInteger(o.pid)) return null;
      return {
        pid: Number(o.pid),
        bootId: typeof o.bootId === 'string' ? o.bootId : null,
        startTime: typeof o.startTime === 'string' ? o.startTime : null,
        legacy: false,
      };
    } catch {
      return null;
    }
  }

  /** Whether the process named by the lock is still the one that wrote it. */
  private async holds(holder: LockHolder & { legacy: boolean }, me: LockHolder): Promise<boolean> {
    if (!isAlive(holder.pid)) return false;
    if (holder.legacy) return !(await this.writtenBeforeBoot());
    if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return false;
    const now = await this.startTime(holder.pid);
    if (holder.startTime && now && holder.startTime !== now) return false;
    return true;
  }

  /** A bare-pid lock carries no boot id: one written before this boot (file time < btime) is stale. */
  private async writtenBeforeBoot(): Promise<boolean> {
    const text = await readFile(join(this.procDir, 'stat'), 'utf8').catch(() => '');
    const btime = /^btime (\d+)$/m.exec(text)?.[1];
    if (!btime) return false;
    const written = await stat(this.lockFile).catch(() => null);
    return written !== null && written.mtimeMs < Number(btime) * 1000;
  }

  private async bootId(): Promise<string | null> {
    const text = await readFile(join(this.procDir, 'sys', 'kernel', 'random', 'boot_id'), 'utf8').catch(() => '');
    return text.trim() || null;
  }

  /**
   * Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot, kept as the raw text
   * (only equality matters). The command name (field 2) may hold spaces and parentheses, so the
   * fields are counted after its last ')'.
   */
  private async startTime(pid: number): Promise<string | null> {
    const text = await readFile(join(this.procDir, String(pid), 'stat'), 'utf8').catch(() => '');
    const rest = text
      .slice(text.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/);
    const value = rest[19];
    return text && value && /^\d+$/.test(value) ? value : null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
