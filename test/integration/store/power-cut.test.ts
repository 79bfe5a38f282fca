import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectDir } from '../../../device/paths.js';
import { storePaths } from '../../../device/store/layout.js';
import { eventLog, openStore, tempDir } from '../../fixtures/store/helpers.js';

/**
 * Power cut: a child process commits in a loop and prints each acknowledged record; it is
 * SIGKILLed at a random moment, 50 times over one data directory. After each kill the store
 * opens, every acknowledged record is there (same id and hash) and the chain verifies.
 * The child is plain .mjs over the compiled store (dist/, built by `npm ci`'s postinstall);
 * beforeAll rebuilds only when a store source is newer than its compiled file.
 */
const root = projectDir();
const child = join(root, 'test', 'fixtures', 'store', 'commit-loop.mjs');

function distIsStale(): boolean {
  const src = join(root, 'device', 'store');
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
    const out = join(root, 'dist', 'device', 'store', f.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(src, f)).mtimeMs) return true;
  }
  return false;
}

interface Run {
  acked: Map<number, { id: string; hash: string }>;
  startSeq: number;
}

function runAndKill(dataDir: string, killAfterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dataDir, '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { acked: new Map(), startSeq: -1 };
    let buf = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    proc.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [a, b, c] = line.split(' ');
        if (a === 'ready') {
          run.startSeq = Number(b);
          setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        } else if (a && b && c) run.acked.set(Number(a), { id: b, hash: c });
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code}/${signal}: ${stderr}`));
      else resolve(run); // a half-printed last line was never acknowledged: ignored
    });
  });
}

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  if (distIsStale()) {
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
    } catch {
      // tsc emits even when another feature's file has a type error; the check below decides.
    }
  }
  expect(existsSync(join(root, 'dist', 'device', 'store', 'record-store.js'))).toBe(true);
  dir = await tempDir('booth-powercut-');
  const first = openStore(dir.path, { boothId: 'booth-powercut' }); // creates the booth identity
  await first.start();
  await first.stop();
}, 120_000);
afterAll(async () => {
  await dir.cleanup();
});

describe('power cut (SIGKILL) while committing', () => {
  it('keeps every acknowledged record and a verifying chain across 50 kills', async () => {
    const all = new Map<number, { id: string; hash: string }>();
    let torn = 0;
    for (let i = 0; i < 50; i++) {
      const run = await runAndKill(dir.path, 5 + Math.floor(Math.random() * 60));
      for (const [seq, r] of run.acked) all.set(seq, r);
      const store = openStore(dir.path, { boothId: 'booth-powercut' });
      await store.start();
      torn += store.recovery?.tornBytes ?? 0;
      expect(store.fault).toBeNull();
      expect(run.startSeq).toBeGreaterThanOrEqual(0);
      // Every record acknowledged in any run so far is there, unchanged.
      const maxAcked = Math.max(0, ...all.keys());
      expect(store.lastSeq).toBeGreaterThanOrEqual(maxAcked);
      const held = await store.read(0, Number.MAX_SAFE_INTEGER);
      for (const [seq, r] of all)
        expect(held[seq - 1], `record ${seq} after kill ${i + 1}`).toMatchObject({ seq, ...r });
      if (i % 10 === 9 || i === 49) expect(await store.verify()).toEqual([]);
      await store.stop();
    }
    expect(all.size).toBeGreaterThan(50);
    // Not asserted (timing-dependent): how often a kill landed mid-write. Logged for the report.
    console.info(`power-cut: ${all.size} acknowledged records over 50 kills, ${torn} torn bytes cut`);
  }, 300_000);

  it('recovers when the journal loses its last bytes, and from a zero-length lowdb state file', async () => {
    const { journal, storeState } = storePaths(dir.path);
    const segs = (await readdir(journal)).filter((n) => n.endsWith('.log')).sort();
    const last = join(journal, segs.at(-1) ?? '');
    const before = openStore(dir.path, { boothId: 'booth-powercut' });
    await before.start();
    await before.putBlob(Buffer.from('template-1'), { sensitive: true, sessionId: 's-1' });
    await before.putBlob(Buffer.from('template-2'), { sensitive: true, sessionId: 's-2' });
    const lastSeq = before.lastSeq;
    await before.stop();
    await truncate(last, (await stat(last)).size - 3);
    await writeFile(storeState, ''); // a power cut left the lowdb file empty
    const log = eventLog();
    const store = openStore(dir.path, { boothId: 'booth-powercut', bus: log.bus });
    await store.start();
    expect(store.recovery?.tornBytes).toBeGreaterThan(0);
    expect(log.of('store.fault').map((f) => f.message)).toEqual(['store.json: empty; recovered the last good copy']);
    expect(store.lastSeq).toBe(lastSeq - 1);
    expect(await store.verify()).toEqual([]);
    // The session index came back from the last good copy (the state before the last write):
    // closing session s-1 finds its template.
    expect(await store.closeSession('s-1')).toBe(1);
    await store.stop();
  });
});
