import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run demo:central` end to end (demo/central-day.ts): the central server, three booth
 * processes enrolled with `booth provision`, the example plan published and unlocked, visits by
 * face and staff-witnessed, one expert absent, hall-3's booth off before its session closed,
 * pushes and pulls, verification, reports. On the embedded database (the PostgreSQL path of the
 * same code is covered by the central tests).
 */
const run = promisify(execFile);

interface DayOut {
  ok: boolean;
  error?: string;
  booths: string[];
  recordsCollected: number;
  recordsVerified: number;
  problems: unknown[];
  pdfsArchived: number;
  pdfsValid: number;
  published: { packageId: string; projectId: string; documentId: string; sha256: string }[];
  signRecords: {
    packageId: string;
    projectId: string;
    expertId: string;
    action: string;
    method: string;
    documents: { documentId: string; sha256Published: string; sha256Before: string; sha256After: string }[];
  }[];
  daily: { expertId: string; projectId: string; action: string }[];
  followUp: { expertId: string; projectId: string }[];
  credit: { expertId: string; absent: number; unknown: number; staffWitnessed: number }[];
}

describe('a day at the centre (npm run demo:central)', () => {
  let work = '';
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('collects and verifies every record and sealed PDF; every revision starts from the published PDF', async () => {
    work = await mkdtemp(join(tmpdir(), 'central-day-'));
    const env = { ...process.env, DATABASE_URL: '' };
    const { stdout } = await run(process.execPath, [join('dist', 'demo', 'central-day.js'), work], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`demo failed: ${e.stdout.slice(0, 2000)}\n${e.stderr.slice(-3000)}`);
    });
    const day = JSON.parse(stdout) as DayOut;
    expect(day.ok, day.error).toBe(true);
    expect(day.booths).toEqual(['hall1-b1', 'hall2-b1', 'hall3-b1']);
    expect(day.recordsCollected).toBeGreaterThan(50);
    expect(day.recordsVerified).toBe(day.recordsCollected);
    expect(day.problems).toEqual([]);
    // Sign and dissent stamp every document of the project; a refusal writes nothing.
    expect(day.pdfsArchived).toBe(8);
    expect(day.pdfsValid).toBe(8);

    // Every document's sha256Before is the published PDF or the sha256After of an earlier
    // record of the same package (issue 13: the working copy belongs to its package).
    const published = new Set(day.published.map((p) => `${p.packageId}/${p.projectId}/${p.documentId}/${p.sha256}`));
    const after = new Map<string, Set<string>>();
    for (const r of day.signRecords)
      for (const d of r.documents) {
        const key = `${r.packageId}/${r.projectId}/${d.documentId}`;
        expect(published.has(`${key}/${d.sha256Published}`), key).toBe(true);
        const earlier = after.get(key) ?? new Set<string>();
        expect(d.sha256Before === d.sha256Published || earlier.has(d.sha256Before), key).toBe(true);
        earlier.add(d.sha256After);
        after.set(key, earlier);
      }
    expect(day.signRecords.map((r) => `${r.expertId} ${r.projectId} ${r.action} ${r.method}`).sort()).toEqual([
      'EXP-1001 P-2026-101 sign face',
      'EXP-1001 P-2026-102 sign face',
      'EXP-1001 P-2026-201 sign face',
      'EXP-1001 P-2026-301 sign face',
      'EXP-1002 P-2026-101 dissent staff-witness',
      'EXP-1002 P-2026-201 sign staff-witness',
      'EXP-1003 P-2026-101 refuse staff-witness',
    ]);

    // The absent expert is absent; the switched-off booth's experts are unknown and listed.
    const action = (e: string, p: string) => day.daily.find((r) => r.expertId === e && r.projectId === p)?.action;
    expect(action('EXP-1003', 'P-2026-102')).toBe('absent');
    expect(action('EXP-1002', 'P-2026-301')).toBe('unknown: booth did not report');
    expect(day.followUp.map((r) => `${r.expertId} ${r.projectId}`).sort()).toEqual([
      'EXP-1002 P-2026-301',
      'EXP-1003 P-2026-301',
    ]);
    expect(day.credit.find((c) => c.expertId === 'EXP-1003')).toMatchObject({
      absent: 1,
      unknown: 1,
      staffWitnessed: 1,
    });
  }, 240_000);
});
