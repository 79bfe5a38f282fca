import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'booth-central.js');

function get(url: string, o: { ca?: string; token?: string } = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpsRequest(
      u,
      {
        method: 'GET',
        ...(o.ca ? { ca: [o.ca] } : {}),
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') as unknown }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function getHttp(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe.each(BACKENDS)('the central service on %s', (backend) => {
  let c: TestCentral;
  beforeAll(async () => {
    c = await startTestCentral(backend);
  });
  afterAll(async () => c?.stop());

  it('serves the admin API on loopback behind the token only', async () => {
    expect((await getHttp(`${c.adminUrl}/admin/v1/status`)).status).toBe(401);
    expect((await getHttp(`${c.adminUrl}/admin/v1/status`, 'not-the-token')).status).toBe(401);
    const token = (await readFile(join(c.dataDir, 'keys', 'admin.token'), 'utf8')).trim();
    const ok = await getHttp(`${c.adminUrl}/admin/v1/status`, token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ booths: [], problems: [], alerts: [] });
  });

  it('answers an unknown booth-facing route with a coded 404 over TLS from its CA', async () => {
    const ca = await readFile(join(c.dataDir, 'keys', 'ca.cert.pem'), 'utf8');
    const res = await get(`${c.boothUrl}/nothing-here`, { ca });
    expect(res).toMatchObject({ status: 404, body: { code: 'BOOTH_ERR_NOT_FOUND' } });
  });

  it('`booth-central status` reaches the running service (the embedded database has one owner)', async () => {
    const { stdout } = await run(process.execPath, [bin, 'status', '--data-dir', c.dataDir, '--json'], {
      env: { ...process.env, DATABASE_URL: c.config.databaseUrl },
    });
    expect(JSON.parse(stdout)).toMatchObject({ booths: [], alerts: [] });
  });
});

describe('booth-central commands without a service', () => {
  it('a bad configuration file exits 2 naming the field; an unknown command exits 64', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'central-cfg-'));
    const file = join(dir, 'central.json');
    await writeFile(file, JSON.stringify({ server: { port: 'eight' } }));
    const bad = await run(process.execPath, [bin, 'status', '--config', file]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('/server/port');
    const unknown = await run(process.execPath, [bin, 'frobnicate']).catch((e: { code: number }) => e);
    expect(unknown).toMatchObject({ code: 64 });
  });
});
