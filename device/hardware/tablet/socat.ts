import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdir, readlink, rmdir, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../../protocol/errors.js';

export interface SocatPairOptions {
  socatPath: string;
  /** Folder for the two symlinks socat creates (device, booth). */
  dir: string;
  /** How long to wait for socat to create both pseudo-terminals. */
  readyTimeoutMs?: number;
  /**
   * Keep the booth's link hidden until exposeBooth(): like a USB tablet whose /dev node appears
   * only once it has enumerated. Without it the booth may open its end and write before the far
   * end is open, and the serial binding's open-time input flush drops those bytes.
   */
  holdBooth?: boolean;
}

/**
 * A pseudo-terminal pair made by socat (Debian package socat): bytes written to one end come
 * out of the other, through the kernel's tty layer like a USB-serial adapter. Killing socat
 * makes both ends vanish, which is how the simulator "unplugs" the tablet.
 */
export class SocatPair {
  readonly devicePath: string;
  readonly boothPath: string;
  /** Where socat links the booth's end (the hidden name while held). */
  private readonly socatBoothPath: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: SocatPairOptions) {
    this.devicePath = join(options.dir, 'device');
    this.boothPath = join(options.dir, 'booth');
    this.socatBoothPath = options.holdBooth ? join(options.dir, '.booth-held') : this.boothPath;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    await mkdir(this.options.dir, { recursive: true });
    const child = spawn(
      this.options.socatPath,
      ['-d', '-d', `pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.socatBoothPath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 5000);
    for (;;) {
      const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
      if (failed || child.exitCode !== null) {
        this.child = null;
        throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', `socat did not start: ${failed?.message ?? stderr}`);
      }
      if (/starting data transfer loop/.test(stderr) && (await this.linksExist())) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new BoothError(
          'BOOTH_ERR_TABLET_UNAVAILABLE',
          `socat pseudo-terminals not ready: expected them within the timeout (${stderr.trim()})`,
        );
      }
    }
  }

  /** Makes a held booth link visible (see holdBooth); a no-op otherwise. */
  async exposeBooth(): Promise<void> {
    if (this.socatBoothPath === this.boothPath || !this.child) return;
    await symlink(await readlink(this.socatBoothPath), this.boothPath);
  }

  /** Kills socat; both pseudo-terminals and their links disappear. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.kill('SIGTERM');
    await this.exited;
    if (this.socatBoothPath !== this.boothPath) await unlink(this.boothPath).catch(() => undefined);
    // socat removes its links on exit; the folder goes too when nothing else is in it.
    await rmdir(this.options.dir).catch(() => undefined);
  }

  private async linksExist(): Promise<boolean> {
    try {
      await lstat(this.devicePath);
      await lstat(this.socatBoothPath);
      return true;
    } catch {
      return false;
    }
  }
}
