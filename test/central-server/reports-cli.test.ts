import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../central/cli/main.js';
import { dailyReport } from '../../central/reports/daily.js';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { assign, booth, expert, project, sign } from './helpers/report-facts.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'booth-central.js');
const D = '2026-12-07';

/** RFC 4180 read back (quoted fields, doubled quotes, CRLF), to check what the writer produced. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && ch === '"') quoted = false;
    else if (quoted) cell += ch;
    else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe.each(BACKENDS)('reports through the admin API and `booth-central report` on %s', (backend) => {
  let c: TestCentral;
  let token: string;
  /** The real process once (exit code); in-process otherwise (a node start costs seconds on a busy machine). */
  const spawned = (args: string[]) =>
    run(process.execPath, [bin, 'report', ...args, '--data-dir', c.dataDir], {
      env: { ...process.env, DATABASE_URL: c.config.databaseUrl },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
    try {
      const code = await main(['report', ...args, '--data-dir', c.dataDir]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };
  const admin = async (path: string) => {
    const res = await fetch(`${c.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    c = await startTestCentral(backend);
    token = (await readFile(join(c.dataDir, 'keys', 'admin.token'), 'utf8')).trim();
    const db = c.service.ctx?.db;
    if (!db) throw new Error('service has no database');
    await booth(db, 'b1', 'R1');
    await expert(db, 'E01', '张三');
    await expert(db, 'E02', 'Li, "Lei"');
    await expert(db, 'E03', '=HYPERLINK("x")');
    await project(db, { date: D, id: 'P1', name: '道路工程, 一标段', room: 'R1', booth: 'b1', start: '09:00' });
    for (const [i, e] of ['E01', 'E02', 'E03'].entries())
      await assign(db, { date: D, project: 'P1', expert: e, seat: i + 1, time: '09:00' });
    const p = { date: D, booth: 'b1', project: 'P1', scheduled: '09:00' };
    await sign(db, { ...p, expert: 'E01', seat: 1, signedIn: '09:02', late: 2 });
    await sign(db, { ...p, expert: 'E02', seat: 2, signedIn: '09:03', late: 3, synced: false });
  });
  afterAll(async () => c?.stop());

  it('the admin API serves each report as its schema says, the same as the function', async () => {
    const res = await admin(`/admin/v1/reports/daily?date=${D}`);
    expect(res.status).toBe(200);
    const ctx = c.service.ctx;
    if (!ctx) throw new Error('no context');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(await dailyReport(ctx, D))));
    expect((await admin(`/admin/v1/reports/project?date=${D}`)).body).toMatchObject({ report: 'project' });
    expect((await admin(`/admin/v1/reports/credit?from=${D}&to=${D}`)).body).toMatchObject({
      report: 'credit',
      followUp: [expect.objectContaining({ expertId: 'E03' })],
    });
  });

  it('the admin API answers bad dates and a backwards period with a coded 400', async () => {
    expect(await admin('/admin/v1/reports/daily?date=2026-13-01')).toMatchObject({
      status: 400,
      body: { code: 'BOOTH_ERR_BAD_INPUT' },
    });
    expect(await admin(`/admin/v1/reports/credit?from=2026-12-08&to=${D}`)).toMatchObject({
      status: 400,
      body: { code: 'BOOTH_ERR_BAD_INPUT', message: `--from 2026-12-08 is after --to ${D}` },
    });
  });

  it('CSV: UTF-8 with BOM, CRLF, RFC 4180 quoting of commas and quotes, formulas defused', async () => {
    const r = await cli(['daily', '--date', D]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\uFEFFdate,expert_id,expert_name,project_id,project_name,')).toBe(true);
    expect(r.stdout).toContain('E02,"Li, ""Lei""",P1,"道路工程, 一标段"');
    const rows = parseCsv(r.stdout.slice(1));
    const header = rows[0] ?? [];
    const col = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    expect(rows).toHaveLength(4);
    expect(col(rows[2], 'expert_name')).toBe('Li, "Lei"');
    expect(col(rows[2], 'late_minutes')).toBe('3');
    expect(col(rows[2], 'late_minutes_reliable')).toBe('false');
    expect(col(rows[3], 'expert_name')).toBe(`'=HYPERLINK("x")`);
    expect(col(rows[3], 'action')).toBe('unknown: booth did not report');
    expect(r.stderr).toContain('1 assignment(s) unknown');
  });

  it('CSV --follow-up lists the unknown rows; --format json prints one object with rows and followUp', async () => {
    const f = await cli(['daily', '--date', D, '--follow-up']);
    const rows = parseCsv(f.stdout.slice(1));
    expect(rows.map((r) => r[1])).toEqual(['expert_id', 'E03']);
    const j = await cli(['project', '--date', D, '--format', 'json']);
    const body = JSON.parse(j.stdout) as { rows: { signed: unknown[] }[]; followUp: unknown[] };
    expect(body.rows[0]?.signed).toHaveLength(2);
    expect(body.followUp).toHaveLength(1);
  });

  it('bad input exits 1 with the code and prints no report', async () => {
    const bad = await spawned(['daily', '--date', '2026-13-01']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toContain('BOOTH_ERR_BAD_INPUT');
    const backwards = await cli(['credit', '--from', '2026-12-08', '--to', D, '--format', 'json']);
    expect(backwards.code).toBe(1);
    expect(JSON.parse(backwards.stdout)).toMatchObject({ ok: false, code: 'BOOTH_ERR_BAD_INPUT' });
    expect(await cli(['weekly', '--date', D])).toMatchObject({ code: 64 });
  });
});
