import { mkdir, open, readFile, rm, access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';

/**
 * The booth's data directory, held by one process at a time: a lock file with the holder's pid
 * keeps a second booth (or a doctor run against the live data) from writing beside it.
 * A lock left by a dead process is taken over.
 */
export class DataDir {
  private locked = false;
  constructor(readonly path: string) {}

  get lockFile(): string {
    return join(this.path, 'booth.lock');
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    await access(this.path, constants.W_OK).catch(() => {
      throw new BoothError('BOOTH_ERR_NOT_READY', `data directory ${this.path} is not writable`);
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.writeFile(`${process.pid}\n`);
        await fh.sync();
        await fh.close();
        this.locked = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number.parseInt(await readFile(this.lockFile, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
          throw new BoothError('BOOTH_ERR_CONFLICT', `data directory ${this.path} is in use by process ${holder}`, {
            pid: holder,
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
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
