import { open, readFile, rm } from 'node:fs/promises';
import { BoothError } from '../protocol/errors.js';

/**
 * One central service per data directory (the embedded database has one owner): a lock file
 * naming the holder's pid and its start time (from /proc), so a lock left by a dead process, or
 * naming a pid that another process got after a reboot, is taken over instead of blocking.
 */
export interface LockHolder {
  pid: number;
  startTime: string | null;
}

export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counts from after the command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export async function holderAlive(h: LockHolder): Promise<boolean> {
  const now = await processStartTime(h.pid);
  if (now === null) return false;
  return h.startTime === null || h.startTime === now;
}

export async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' ? { pid: h.pid, startTime: h.startTime ?? null } : null;
  } catch {
    return null;
  }
}

export async function acquireLock(path: string): Promise<() => Promise<void>> {
  const me: LockHolder = { pid: process.pid, startTime: await processStartTime(process.pid) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(JSON.stringify(me));
      await fh.sync();
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readHolder(path);
      if (holder && holder.pid !== process.pid && (await holderAlive(holder)))
        throw new BoothError('BOOTH_ERR_CONFLICT', `${path}: a central service (pid ${holder.pid}) already runs here`, {
          pid: holder.pid,
        });
      await rm(path, { force: true });
    }
  }
  throw new BoothError('BOOTH_ERR_CONFLICT', `cannot lock ${path}`);
}
