import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_EXPERTS } from '../../../device/session/demo.js';
import { idNumberHash } from '../../../protocol/session/hashes.js';
import { post, startHarness, until, type Harness } from './harness.js';

/**
 * The roster stays secret: before an expert verifies, no HTTP response, no log line and no file
 * in the data directory holds that expert's name or ID-number hash (nor their expert id). After
 * expert A verifies and signs, B's and C's still appear nowhere.
 */
let h: Harness;
const responses: string[] = [];

beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

async function get(path: string): Promise<void> {
  responses.push((await h.app.inject({ method: 'GET', url: path })).body);
}
async function call(path: string, body?: unknown) {
  const r = await post(h.app, path, body);
  responses.push(JSON.stringify(r.json));
  return r;
}

async function dataDirText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) text += await dataDirText(path);
    else if ((await stat(path)).size < 50_000_000) {
      const bytes = await readFile(path);
      text += bytes.toString('utf8') + bytes.toString('latin1');
    }
  }
  return text;
}

function secretsOf(e: (typeof DEMO_EXPERTS)[keyof typeof DEMO_EXPERTS], packageId: string): string[] {
  return [e.displayName, idNumberHash(packageId, e.idNumber), e.idNumber];
}

function expectAbsent(where: string, text: string, secrets: string[]) {
  for (const s of secrets) expect(text.includes(s), `${where} contains ${s}`).toBe(false);
}

describe('roster privacy', { timeout: 180_000 }, () => {
  it('nothing shows any expert before verification; only A after A verifies and signs', async () => {
    const packageId = h.feature.vault?.current?.packageId ?? '';
    const all = Object.values(DEMO_EXPERTS).flatMap((e) => [...secretsOf(e, packageId), e.expertId]);
    // A visit up to the face decision, plus every read-only route, with a stranger in front.
    await get('/api/kiosk/state');
    await get('/api/kiosk/session');
    await post(h.app, '/api/kiosk/sim/camera', { source: 'stranger' });
    await call('/api/kiosk/begin');
    await call('/api/kiosk/consent', { accepted: true, version: 'face-consent/1' });
    await until(h.app, (v) => v.screen === 'rejected', 'rejection');
    await get('/api/kiosk/state');
    await call('/api/kiosk/witness/start');
    await call('/api/kiosk/witness', { staffId: 'staff-01', pin: '246810', idNumber: '110101190001010000' });
    await call('/api/kiosk/cancel');
    await h.feature.service?.settled();
    expectAbsent('responses', responses.join('\n'), all);
    expectAbsent('log', h.logLines.join('\n'), all);
    expectAbsent('data dir', await dataDirText(h.config.dataDir), all);

    // Expert A verifies and signs: B and C still appear nowhere.
    await post(h.app, '/api/kiosk/sim/camera', { source: 'expert' });
    await call('/api/kiosk/begin');
    await call('/api/kiosk/consent', { accepted: true, version: 'face-consent/1' });
    responses.push(JSON.stringify(await until(h.app, (v) => v.screen === 'projects', 'verification')));
    await call('/api/kiosk/project', { projectId: 'P-2026-002' });
    await call('/api/kiosk/action', { action: 'refuse', reason: '' });
    await call('/api/kiosk/confirm');
    responses.push(JSON.stringify(await until(h.app, (v) => v.screen === 'receipt', 'receipt')));
    await call('/api/kiosk/finish');
    await h.feature.service?.settled();
    const others = [DEMO_EXPERTS.b, DEMO_EXPERTS.c].flatMap((e) => [...secretsOf(e, packageId), e.expertId]);
    expectAbsent('responses', responses.join('\n'), others);
    expectAbsent('log', h.logLines.join('\n'), others);
    const files = await dataDirText(h.config.dataDir);
    expectAbsent('data dir', files, others);
    expect(files).toContain('EXP-1001'); // the scan reads the records: A's own record is there
    // A's full name and ID-number hash never reach the kiosk or the log either (masked name only).
    expectAbsent('responses', responses.join('\n'), secretsOf(DEMO_EXPERTS.a, packageId));
    expectAbsent('log', h.logLines.join('\n'), secretsOf(DEMO_EXPERTS.a, packageId));
    expect(responses.join('\n')).toContain('王*国');
  });
});
