import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDir } from '../../../device/store/data-dir.js';
import { tempDir } from '../../fixtures/store/helpers.js';

/**
 * The data-directory lock names its holder by pid, boot id and start time. A fake procfs gives
 * the boot id and start times; a real `sleep` child is the live process whose pid the old lock
 * names (PID reuse after a reboot: alive, but not the booth that wrote the lock).
 */
let dir: { path: string; cleanup: () => Promise<void> };
let proc: string;
let other: ChildProcess;
const BOOT = 'ba2c8309-5b93-4d46-ae11-513b221b4761';

/** A /proc/<pid>/stat line whose command name has spaces and a ')' (field counting must cope). */
const statLine = (pid: number, startTime: string) =>
  `${pid} (odd) name) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 ${startTime} 1000 100 18446744073709551615\n`;

async function fakeProc(o: { boot: string; btime?: number; starts: Record<number, string> }): Promise<void> {
  await mkdir(join(proc, 'sys', 'kernel', 'random'), { recursive: true });
  await writeFile(join(proc, 'sys', 'kernel', 'random', 'boot_id'), `${o.boot}\n`);
  await writeFile(join(proc, 'stat'), `cpu  1 2 3\nbtime ${o.btime ?? 1_700_000_000}\nprocesses 9\n`);
  for (const [pid, start] of Object.entries(o.starts)) {
    await mkdir(join(proc, pid), { recursive: true });
    await writeFile(join(proc, pid, 'stat'), statLine(Number(pid), start));
  }
}

beforeEach(async () => {
  dir = await tempDir('booth-lock-');
  proc = join(dir.path, 'proc');
  other = spawn('sleep', ['60'], { stdio: 'ignore' });
});
afterEach(async () => {
  other.kill('SIGKILL');
  await dir.cleanup();
});

const data = () => join(dir.path, 'data');
const lock = (holder: unknown) => writeLock(typeof holder === 'string' ? holder : `${JSON.stringify(holder)}\n`);
async function writeLock(text: string): Promise<void> {
  await mkdir(data(), { recursive: true });
  await writeFile(join(data(), 'booth.lock'), text);
}

describe('data-directory lock', () => {
  it('records pid, boot id and start time, and a second holder is refused while the first lives', async () => {
    await fakeProc({ boot: BOOT, starts: { [process.pid]: '4242' } });
    const first = new DataDir(data(), { procDir: proc });
    await first.open();
    expect(JSON.parse(await readFile(first.lockFile, 'utf8'))).toEqual({
      pid: process.pid,
      bootId: BOOT,
      startTime: '4242',
    });
    // The same holder, seen from a live process with the same start time in this boot: in use.
    await first.close();
    await fakeProc({ boot: BOOT, starts: { [process.pid]: '4242', [other.pid!]: '5000' } });
    await lock({ pid: other.pid, bootId: BOOT, startTime: '5000' });
    await expect(new DataDir(data(), { procDir: proc }).open()).rejects.toMatchObject({
      code: 'BOOTH_ERR_CONFLICT',
      details: { pid: other.pid },
    });
  });

  it('takes over a lock naming a live unrelated process from another boot (pid reused after a reboot)', async () => {
    await fakeProc({ boot: BOOT, starts: { [process.pid]: '4242', [other.pid!]: '5000' } });
    await lock({ pid: other.pid, bootId: 'a-boot-before-the-reboot', startTime: '5000' });
    const d = new DataDir(data(), { procDir: proc });
    await d.open();
    expect(JSON.parse(await readFile(d.lockFile, 'utf8'))).toMatchObject({ pid: process.pid, bootId: BOOT });
    await d.close();
  });

  it('takes over a lock naming a live process of this boot that started at another time (pid reused)', async () => {
    await fakeProc({ boot: BOOT, starts: { [process.pid]: '4242', [other.pid!]: '9999' } });
    await lock({ pid: other.pid, bootId: BOOT, startTime: '5000' });
    const d = new DataDir(data(), { procDir: proc });
    await d.open();
    expect(d.isOpen).toBe(true);
    await d.close();
  });

  it('takes over a bare-pid lock (older booths) written before this boot; keeps one written since', async () => {
    const btime = Math.floor(Date.now() / 1000) - 60;
    await fakeProc({ boot: BOOT, btime, starts: { [process.pid]: '4242' } });
    await lock(`${other.pid}\n`);
    await expect(new DataDir(data(), { procDir: proc }).open()).rejects.toMatchObject({ code: 'BOOTH_ERR_CONFLICT' });
    const beforeBoot = new Date((btime - 3600) * 1000);
    await utimes(join(data(), 'booth.lock'), beforeBoot, beforeBoot);
    const d = new DataDir(data(), { procDir: proc });
    await d.open();
    expect(d.isOpen).toBe(true);
    await d.close();
  });

  it('takes over a lock whose holder is dead', async () => {
    await fakeProc({ boot: BOOT, starts: { [process.pid]: '4242' } });
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    await lock({ pid: other.pid, bootId: BOOT, startTime: '5000' });
    const d = new DataDir(data(), { procDir: proc });
    await d.open();
    expect(d.isOpen).toBe(true);
    await d.close();
  });
});
