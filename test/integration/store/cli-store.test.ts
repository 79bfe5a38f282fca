import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeCommand } from '../../../device/store/cli-store.js';
import { storePaths } from '../../../device/store/layout.js';
import { openStore, tempDir } from '../../fixtures/store/helpers.js';
import { identityPaths } from '../../../device/crypto/identity.js';
import { createSelfSignedCertificate, generateKeyPair } from '../../../protocol/crypto/x509.js';
import { boothUri } from '../../../protocol/crypto/booth-id.js';

/** `booth store verify` over a real data directory, in process (stdout captured). */
let dir: { path: string; cleanup: () => Promise<void> };
let out: string;
beforeEach(async () => {
  dir = await tempDir('booth-cli-store-');
  vi.stubEnv('BOOTH_CONFIG', '');
  vi.stubEnv('BOOTH_CONFIG_DEFAULT', join(dir.path, 'none.json'));
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await dir.cleanup();
});

async function seed(n: number, boothId = 'booth-dev'): Promise<void> {
  const store = openStore(dir.path, { boothId });
  await store.start();
  for (let i = 0; i < n; i++) await store.commit({ kind: 'audit', payload: { i } });
  await store.stop();
}

describe('booth store verify', () => {
  it('reports a verifying journal and exits 0', async () => {
    await seed(12);
    const code = await storeCommand.run(['verify', '--data-dir', dir.path, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { ok: boolean; records: unknown; problems: string[]; sync: unknown };
    expect(report).toMatchObject({
      ok: true,
      records: { first: 1, last: 12 },
      problems: [],
      sync: { ackedSeq: 0, deadLetters: [] },
    });
  });

  it('exits 1 and names the problem when a record was altered (checksum fixed up, so only the chain sees it)', async () => {
    await seed(5);
    const { journal } = storePaths(dir.path);
    const [seg] = await readdir(journal);
    const path = join(journal, seg ?? '');
    const lines = (await readFile(path, 'utf8')).split('\n');
    // Rewrite record 3 with a changed payload and a valid line checksum: a careful forger.
    const { crc32 } = await import('node:zlib');
    const rec = JSON.parse((lines[2] ?? '').slice(9)) as { payload: { i: number } };
    rec.payload.i = 99;
    const json = JSON.stringify(rec);
    lines[2] = `${crc32(json).toString(16).padStart(8, '0')} ${json}`;
    await writeFile(path, lines.join('\n'));
    const code = await storeCommand.run(['verify', '--data-dir', dir.path]);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL: 1 problems\n {2}record 3 \(.*\): hash does not match its content/);
  });

  it("verifies another booth's data directory with that booth's id (its certificate's CN), not the config default", async () => {
    await seed(6, 'hall9-b3');
    const code = await storeCommand.run(['verify', '--data-dir', dir.path, '--json']);
    const report = JSON.parse(out) as { ok: boolean; problems: string[]; boothId: unknown };
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.boothId).toEqual({ id: 'hall9-b3', source: 'certificate-cn' });
  });

  it('takes the booth id from the certificate SAN urn:booth:<id> first, else from identity/site.json', async () => {
    const keys = await generateKeyPair();
    const paths = identityPaths(dir.path);
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.privateKey, keys.privateKeyPem, { mode: 0o600 });
    await writeFile(
      paths.certificate,
      await createSelfSignedCertificate({
        subject: 'CN=Booth 1 of hall 2',
        keys,
        days: 1,
        profile: 'client-server',
        altNames: [boothUri('hall2-b1')],
      }),
    );
    await seed(4, 'hall2-b1');
    expect(await storeCommand.run(['verify', '--data-dir', dir.path, '--json']), out).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, boothId: { id: 'hall2-b1', source: 'certificate' } });

    out = '';
    await rm(paths.certificate);
    await writeFile(join(paths.dir, 'site.json'), JSON.stringify({ site: { booth: { id: 'hall2-b1' } } }));
    expect(await storeCommand.run(['verify', '--data-dir', dir.path, '--json']), out).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, boothId: { id: 'hall2-b1', source: 'site' } });
  });

  it('is a usage error without the verify subcommand', async () => {
    expect(await storeCommand.run(['--data-dir', dir.path])).toBe(64);
  });
});
