import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** `npm run demo` (= booth demo): one visit headless through the real HTTP API; its PDF verifies. */
describe('booth demo', { timeout: 180_000 }, () => {
  it('exits 0 and prints the sealed PDF, which pdfsig verifies, and the sign record', () => {
    const stdout = execFileSync(process.execPath, ['bin/booth.js', 'demo'], { encoding: 'utf8', timeout: 120_000 });
    const out = JSON.parse(stdout) as {
      ok: boolean;
      sealedPdfs: string[];
      record: { kind: string; payload: Record<string, unknown> };
    };
    expect(out.ok).toBe(true);
    expect(out.sealedPdfs).toHaveLength(1);
    expect(out.record).toMatchObject({
      kind: 'sign',
      payload: { expertId: 'EXP-1001', projectId: 'P-2026-001', action: 'sign', method: 'face', lateMinutes: 12 },
    });
    for (const pdf of out.sealedPdfs) {
      expect(existsSync(pdf)).toBe(true);
      expect(execFileSync('pdfsig', [pdf], { encoding: 'utf8' })).toMatch(/Signature Validation: Signature is Valid/);
    }
  });
});
