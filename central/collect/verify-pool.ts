import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import type { CryptoSuite } from '../../protocol/records/crypto-suite.js';

/**
 * Record signatures checked on worker threads. One ECDSA P-256 verification costs about as
 * much as everything else the collector does for a record together (parsing, hashing,
 * validating, storing), and on the event loop it would also stall the embedded database
 * (PGlite runs on the main thread). The event loop computes each record's hash (it needs the
 * canonical JSON anyway) and hands the workers only the hashes and signatures, a few hundred
 * bytes per record; they answer with the indexes that do not verify.
 *
 * The worker is a small script of Node built-ins given as source (no build step, the same
 * from sources and from dist/). An idle worker is unref'd: the pool never keeps a process alive.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (m) => {
  let key = keys.get(m.keyPem);
  if (!key) {
    if (keys.size > 1000) keys.clear();
    key = createPublicKey(m.keyPem);
    keys.set(m.keyPem, key);
  }
  const bad = [];
  for (let i = 0; i < m.hashes.length; i++) {
    let ok = false;
    try {
      ok = verify(m.digest, Buffer.from(m.hashes[i], 'hex'), key, Buffer.from(m.signatures[i], 'base64'));
    } catch {}
    if (!ok) bad.push(i);
  }
  parentPort.postMessage({ id: m.id, bad });
});
`;

interface Pending {
  resolve: (bad: number[]) => void;
  reject: (err: Error) => void;
}

/** The message digest each suite signs with (protocol/records/crypto-suite.ts). */
const DIGEST: Record<CryptoSuite['name'], string> = { p256: 'sha256', sm: 'sm3' };

/** Chunks smaller than this are not worth a message. */
const MIN_CHUNK = 128;

export class VerifyPool {
  private workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly pems = new WeakMap<KeyObject, string>();

  constructor(readonly threads: number) {}

  private spawn(): { worker: Worker; busy: number } {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot = { worker, busy: 0 };
    worker.on('message', (m: { id: number; bad: number[] }) => {
      if (--slot.busy === 0) worker.unref();
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.bad);
    });
    const fail = (err: Error) => {
      this.workers = this.workers.filter((w) => w !== slot);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`signature worker exited (${code})`)));
    this.workers.push(slot);
    return slot;
  }

  private leastBusy(): { worker: Worker; busy: number } {
    if (this.workers.length < this.threads) return this.spawn();
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Indexes of the signatures (base64, over the hash bytes) that do not verify with `key`. */
  async badSignatures(
    suite: CryptoSuite,
    key: KeyObject,
    hashes: readonly string[],
    signatures: readonly string[],
  ): Promise<number[]> {
    if (this.threads === 0 || hashes.length === 0) {
      const bad: number[] = [];
      for (let i = 0; i < hashes.length; i++)
        if (!suite.verify(Buffer.from(hashes[i] ?? '', 'hex'), signatures[i] ?? '', key)) bad.push(i);
      return bad;
    }
    let keyPem = this.pems.get(key);
    if (!keyPem) {
      keyPem = key.export({ type: 'spki', format: 'pem' }).toString();
      this.pems.set(key, keyPem);
    }
    const size = Math.max(MIN_CHUNK, Math.ceil(hashes.length / this.threads));
    const parts: Promise<number[]>[] = [];
    for (let start = 0; start < hashes.length; start += size) {
      const id = this.nextId++;
      const slot = this.leastBusy();
      // Referenced while it works: a process waiting on it must not exit.
      if (slot.busy++ === 0) slot.worker.ref();
      const offset = start;
      parts.push(
        new Promise<number[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          slot.worker.postMessage({
            id,
            digest: DIGEST[suite.name],
            keyPem,
            hashes: hashes.slice(start, start + size),
            signatures: signatures.slice(start, start + size),
          });
        }).then((bad) => bad.map((i) => i + offset)),
      );
    }
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    const all = this.workers;
    this.workers = [];
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

/** Threads for collect.verifyThreads: 'auto' leaves one core to the event loop. */
export function verifyThreads(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(0, Math.min(8, availableParallelism() - 1)) : setting;
}

const pools = new Map<number, VerifyPool>();

/** The process's pool for this many threads (created on first use). */
export function verifyPool(setting: number | 'auto'): VerifyPool {
  const n = verifyThreads(setting);
  let pool = pools.get(n);
  if (!pool) {
    pool = new VerifyPool(n);
    pools.set(n, pool);
  }
  return pool;
}
