#!/usr/bin/env node
// A throw-away PostgreSQL cluster (Debian's `postgresql` package) for tests and benchmarks:
//   node scripts/pg-cluster.mjs start DIR [--durable]  -> prints DATABASE_URL (Unix socket in DIR, no TCP)
//   node scripts/pg-cluster.mjs stop DIR
// As root (CI), the cluster runs as user postgres (initdb refuses root). .ci/run and the test
// setup both use it, so CI and a laptop start the server the same way.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function pgBinDir() {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
    if (!versions.length)
      throw new Error('PostgreSQL server binaries not found: install the Debian package postgresql');
    return join(base, versions[0], 'bin');
  }
}

function run(bin, args, asUser) {
  const cmd = join(pgBinDir(), bin);
  if (asUser) return execFileSync('runuser', ['-u', asUser, '--', cmd, ...args], { encoding: 'utf8', stdio: 'pipe' });
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });
}

// durable: false (tests) turns fsync off, as a throw-away cluster may; benchmarks keep it on.
export function startCluster(dirArg, { durable = false } = {}) {
  const dir = resolve(dirArg);
  const data = join(dir, 'data');
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  if (asUser) {
    const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  if (!existsSync(join(data, 'PG_VERSION')))
    run('initdb', ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '-D', data], asUser);
  run(
    'pg_ctl',
    [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-c listen_addresses='' -c unix_socket_directories=${dir} -c max_connections=200${durable ? '' : ' -c fsync=off'}`,
      'start',
    ],
    asUser,
  );
  return `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`;
}

export function stopCluster(dirArg) {
  const dir = resolve(dirArg);
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  try {
    run('pg_ctl', ['-D', join(dir, 'data'), '-w', '-m', 'fast', 'stop'], asUser);
  } catch {
    // already stopped
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const [cmd, dir] = process.argv.slice(2);
  if (!dir || !['start', 'stop'].includes(cmd)) {
    process.stderr.write('usage: pg-cluster.mjs start|stop DIR\n');
    process.exit(64);
  }
  if (cmd === 'start') process.stdout.write(`${startCluster(dir, { durable: process.argv.includes('--durable') })}\n`);
  else stopCluster(dir);
}
