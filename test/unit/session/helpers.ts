import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import { CentralKeys } from '../../../device/session/central-keys.js';
import { checkPackageFile } from '../../../device/session/package-check.js';
import { SessionVault, type InstallHooks } from '../../../device/session/vault.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';

/** A P-256 key pair in both forms. */
export function p256() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export type KeyPair = ReturnType<typeof p256>;

export interface TestVault {
  v: SessionVault;
  dir: string;
  identityDir: string;
  audits: Record<string, unknown>[];
  clock: ManualClock;
  keys: CentralKeys;
}

/**
 * A vault as the booth builds it, on a fresh (or given) folder, with the central key pinned in
 * identity/central-session.pem. The package check runs in this thread (the thread runner is
 * exercised by the integration tests).
 */
export async function makeVault(o: {
  booth: KeyPair;
  central: { publicKeyPem: string };
  boothId?: string;
  clock?: ManualClock;
  root?: string;
}): Promise<TestVault> {
  const root = o.root ?? (await mkdtemp(join(tmpdir(), 'vault-')));
  const identityDir = join(root, 'identity');
  const sessionPem = join(identityDir, 'central-session.pem');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(identityDir, { recursive: true });
  if (!o.root) await writeFile(sessionPem, o.central.publicKeyPem);
  const keys = new CentralKeys({ session: sessionPem, escrow: join(identityDir, 'central-escrow.pem') });
  await keys.load();
  const audits: Record<string, unknown>[] = [];
  const clock = o.clock ?? new ManualClock(Date.parse('2026-11-26T02:00:00Z'));
  const v = new SessionVault({
    dir: join(root, 'session'),
    boothId: o.boothId ?? 'booth-7',
    boothPrivateKey: createPrivateKey(o.booth.privateKeyPem),
    boothPrivateKeyPem: o.booth.privateKeyPem,
    boothPublicKey: o.booth.publicKey as KeyObject,
    boothPublicKeyPem: o.booth.publicKeyPem,
    keys,
    clock,
    audit: async (p) => {
      audits.push(p);
    },
    check: checkPackageFile,
  });
  return { v, dir: join(root, 'session'), identityDir, audits, clock, keys };
}

/** Installs a package value the way a body arrives: as a file the vault consumes. */
export async function install(v: SessionVault, pkg: unknown, hooks: InstallHooks = {}) {
  const file = await v.tempFile('test');
  await writeFile(file, typeof pkg === 'string' ? pkg : JSON.stringify(pkg));
  return v.install(file, hooks);
}

/** Every file under `dir` with its content (a refused package must change none of them). */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries)
    if (e.isFile())
      out[relative(dir, join(e.parentPath, e.name))] = (await readFile(join(e.parentPath, e.name))).toString('base64');
  return out;
}

export const copy = (p: SessionPackage): SessionPackage => structuredClone(p);
