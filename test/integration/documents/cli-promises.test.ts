import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeReport, makeSignaturePng, placesFor } from '../../../bench/documents-samples.js';
import { stampAndSeal } from '../../../device/documents/index.js';
import { COMMANDS } from '../../../device/cli/commands.js';
import { makeSigner, scratch, writeTemp } from './helpers.js';

/**
 * Issue 16, the CLI's promises, run as a technician runs them (bin/booth.js on the compiled
 * dist/, built by the global setup): --json is always JSON, no file is left on an error, a
 * closed pipe ends quietly, and `booth --help` loads no command module.
 */
const BOOTH = join(process.cwd(), 'bin', 'booth.js');
let dir: string;
let signedPath: string;
let common: string[];

function booth(args: string[], opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), BOOTH, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = scratch();
  const places = [...placesFor('A', 3), ...placesFor('B', 3, 1)];
  const signer = await makeSigner();
  const report = await makeReport(3);
  const signed = await stampAndSeal({
    pdf: report,
    places,
    seat: 'A',
    signaturePng: makeSignaturePng(),
    name: '张伟',
    action: 'sign',
    recordId: 'REC-A',
    project: '道路工程',
    signer,
    now: new Date(),
  });
  signedPath = writeTemp(dir, 'signed.pdf', signed.pdf);
  common = [
    '--places',
    writeTemp(dir, 'places.json', JSON.stringify({ version: 1, places })),
    '--seat',
    'B',
    '--signature',
    writeTemp(dir, 'sig.png', makeSignaturePng()),
    '--name',
    '李四',
    '--key',
    writeTemp(dir, 'key.pem', signer.keyPem),
    '--cert',
    writeTemp(dir, 'cert.pem', signer.certPem),
    '--data-dir',
    join(dir, 'data'),
    '--json',
  ];
});

// Each test spawns the booth (node start-up, a few modules): generous on a loaded shared machine.
describe('booth CLI promises', { timeout: 120_000 }, () => {
  it('--json prints JSON for a missing input file (stamp and verify) and an unknown command', () => {
    const stamp = booth(['stamp', '--pdf', 'no-such.pdf', '--out', 'o.pdf', ...common]);
    expect(stamp.code).toBe(1);
    expect(JSON.parse(stamp.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_NOT_FOUND' });
    const verify = booth(['verify', 'no-such.pdf', '--json']);
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_NOT_FOUND' });
    const unknown = booth(['stomp', '--json']);
    expect(unknown.code).toBe(64);
    expect(JSON.parse(unknown.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_BAD_INPUT' });
  });

  it.each(['outdir', 'outdir/'])('--out %s (a directory): JSON error, nothing written, no temp file', (out) => {
    mkdirSync(join(dir, 'outdir'), { recursive: true });
    const before = readdirSync(dir).sort();
    const r = booth(['stamp', '--pdf', signedPath, '--out', out, ...common]);
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, code: 'BOOTH_ERR_BAD_INPUT' });
    expect(JSON.parse(r.out).message).toContain('is a directory');
    expect(readdirSync(join(dir, 'outdir'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('`booth verify X | head -1`: a closed pipe ends quietly (exit 0, no stack trace)', async () => {
    const child = spawn(process.execPath, [BOOTH, 'verify', signedPath], { cwd: dir });
    // The reader is gone before the booth writes its first line.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(err).not.toContain('EPIPE');
    expect(code, err).toBe(0);
  });

  it('`booth --help` loads no command module (commands load on use)', () => {
    const log = join(dir, 'loaded.txt');
    const loader = writeTemp(
      dir,
      'log-loader.mjs',
      "import { appendFileSync } from 'node:fs';\n" +
        'export async function resolve(spec, ctx, next) {\n' +
        '  const r = await next(spec, ctx);\n' +
        "  appendFileSync(process.env.BOOTH_LOAD_LOG, r.url + '\\n');\n" +
        '  return r;\n' +
        '}\n',
    );
    const hook = writeTemp(
      dir,
      'log-hook.mjs',
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(loader).href)});\n`,
    );
    const r = booth(['--help'], { nodeArgs: ['--import', pathToFileURL(hook).href], env: { BOOTH_LOAD_LOG: log } });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('usage: booth <command>');
    const loaded = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
    // A sanity check that the log works: main.js itself is in it.
    expect(loaded.some((u) => u.endsWith('/dist/device/cli/main.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/node_modules/'))).toEqual([]);
    const commandModules = loaded.filter((u) =>
      /\/dist\/device\/(cli\/(start|doctor|provision|stamp|verify|tablet|face|demo)|store\/cli-store)\.js$/.test(u),
    );
    expect(commandModules).toEqual([]);
    expect(loaded.filter((u) => u.includes('/dist/')).length).toBeLessThanOrEqual(6);
  });

  it('the registry names and summaries are those of the command modules', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });
});
