import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { BoothError } from '../../protocol/errors.js';
import { syncDir } from '../store/fsync.js';

/**
 * Writes a body arriving in pieces (an HTTP request or response) to a file, never holding more
 * than one piece in memory: counts and hashes (SHA-256) as it writes, and stops with a coded 413
 * the moment the size passes the limit. `finish()` fsyncs and closes; `commit(path)` renames the
 * file into place and fsyncs the directory, so a power cut leaves the old file or the new one.
 * A sink can continue a partial file (Range resume): its bytes are hashed first.
 */
export interface SinkOptions {
  /** The file being written (a temp name; the caller renames it with commit()). */
  path: string;
  maxBytes: number;
  /** What is being received, for messages ("session package", "document 3f2a…"). */
  what: string;
  /** Continue the existing file at `path` instead of starting empty. */
  resume?: boolean;
}

export class FileSink {
  private fh: FileHandle | null = null;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private closed = false;

  private constructor(private readonly o: SinkOptions) {}

  static async open(o: SinkOptions): Promise<FileSink> {
    const sink = new FileSink(o);
    await mkdir(dirname(o.path), { recursive: true, mode: 0o700 });
    if (o.resume) {
      const existing = await stat(o.path).then(
        (s) => s.size,
        () => 0,
      );
      if (existing > 0) {
        for await (const chunk of createReadStream(o.path)) sink.hash.update(chunk as Buffer);
        sink.bytes = existing;
      }
    }
    sink.fh = await open(o.path, sink.bytes > 0 ? 'a' : 'w', 0o600);
    return sink;
  }

  get size(): number {
    return this.bytes;
  }

  get path(): string {
    return this.o.path;
  }

  write(chunk: Buffer): Promise<void> {
    const run = this.pendingWrite.then(() => this.writeNow(chunk));
    this.pendingWrite = run.catch(() => undefined);
    return run;
  }

  private async writeNow(chunk: Buffer): Promise<void> {
    const fh = this.fh;
    if (!fh) throw new BoothError('BOOTH_ERR_INTERNAL', `${this.o.what}: write after close`);
    if (this.bytes + chunk.length > this.o.maxBytes) throw tooLarge(this.o.what, this.o.maxBytes);
    this.bytes += chunk.length;
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
  }

  /**
   * Reads a stream into the file, one piece at a time (the stream is paused while a piece is
   * written). On a failure (the limit, a write error, the peer gone) the stream is left paused and
   * not destroyed: the caller decides (an HTTP server answers 413 first, a client destroys it).
   */
  drain(source: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        source.off('data', onData);
        source.pause();
        reject(err);
      };
      const onData = (chunk: Buffer | string) => {
        source.pause();
        this.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk).then(
          () => {
            if (!failed) source.resume();
          },
          (err: unknown) => fail(err as Error),
        );
      };
      source.on('data', onData);
      source.once('end', () => {
        // The last piece may still be writing: end counts once it is on disk.
        void this.settled().then(() => (failed ? undefined : resolve()));
      });
      source.once('error', (err) => fail(new BoothError('BOOTH_ERR_SYNC_FAILED', `${this.o.what}: ${err.message}`)));
      source.once('close', () => {
        if (!source.readableEnded)
          fail(new BoothError('BOOTH_ERR_SYNC_FAILED', `${this.o.what}: the connection closed mid-body`));
      });
    });
  }

  private pendingWrite: Promise<void> = Promise.resolve();

  private settled(): Promise<void> {
    return this.pendingWrite;
  }

  /** fsync and close; returns the size and the SHA-256 (hex) of everything in the file. */
  async finish(): Promise<{ size: number; sha256: string }> {
    await this.settled();
    const fh = this.fh;
    this.fh = null;
    if (fh) {
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    this.closed = true;
    return { size: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Closes (if still open) and deletes the file: a refused or broken body leaves nothing. */
  async discard(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
    await rm(this.o.path, { force: true });
  }

  /** Moves the finished file to `target` (same filesystem) durably. */
  async commit(target: string): Promise<void> {
    if (!this.closed) await this.finish();
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(this.o.path, target);
    await syncDir(dirname(target));
  }
}

export function tooLarge(what: string, maxBytes: number): BoothError {
  return new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', `${what}: larger than the limit of ${maxBytes} bytes`, {
    maxBytes,
  });
}

/** A fresh temp path in `dir` (never reused, so concurrent receivers do not collide). */
export function tempPath(dir: string, hint: string): string {
  return join(dir, `.${basename(hint)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}
