import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import { CentralKeys } from '../../../device/session/central-keys.js';
import { checkPackageFile } from '../../../device/session/package-check.js';
import { SessionVault, type InstallHooks } from '../../../device/session/vault.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { buildUnsignedPackage, signPackage, type ExpertInput } from '../../../protocol/session/build.js';
import { documentPath } from '../../../protocol/channel.js';

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

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A small valid PDF whose bytes differ by `label` (documents are named by their hash). */
export function tinyPdf(label: string, padBytes = 0): Buffer {
  const body = `%PDF-1.4\n% ${label}\n${'%'.repeat(Math.max(0, padBytes))}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export interface TestPackageOptions {
  central: { privateKeyPem: string };
  booth: { publicKeyPem: string };
  boothId?: string;
  packageId?: string;
  version?: number;
  unlockAt: number;
  expiresAt: number;
  /** Documents of the one project (default one small PDF). */
  pdfs?: Buffer[];
  /** Publish the documents by url (`/channel/v1/documents/<sha256>` or what `url` returns) instead of inline. */
  url?: boolean | ((sha256: string) => string);
  experts?: number;
}

/**
 * A package as the central server builds it, with plain experts (no photos: the face engine is
 * not what these tests are about) assigned to one project.
 */
export function buildTestPackage(o: TestPackageOptions): SessionPackage {
  const boothId = o.boothId ?? 'booth-7';
  const pdfs = o.pdfs ?? [tinyPdf('report')];
  const experts: ExpertInput[] = Array.from({ length: o.experts ?? 2 }, (_, i) => ({
    expertId: `EXP-${i + 1}`,
    displayName: `Expert ${i + 1}`,
    idNumber: `11010119700101${String(1000 + i)}`,
    photos: [],
    templates: [],
    assignments: [{ projectId: 'P-1', seat: i + 1, scheduledSignIn: iso(o.unlockAt) }],
  }));
  const unsigned = buildUnsignedPackage({
    packageId: o.packageId ?? '2026-11-26.booth-7',
    version: o.version ?? 1,
    centre: 'Test centre',
    hall: 'Hall 1',
    booths: [boothId],
    date: iso(o.unlockAt).slice(0, 10),
    unlockAt: iso(o.unlockAt),
    expiresAt: iso(o.expiresAt),
    projects: [
      {
        id: 'P-1',
        name: 'Project one',
        section: 'Section 1',
        scheduledStart: iso(o.unlockAt),
        documents: pdfs.map((pdf, i) => ({
          id: `doc-${i + 1}`,
          title: `Report ${i + 1}`,
          pdf,
          places: [{ seat: 1, page: 1, x: 300, y: 90, width: 200, height: 60 }],
        })),
      },
    ],
    staff: [{ id: 'staff-01', pin: '246810' }],
    experts,
    recipient: { boothId, publicKeyPem: o.booth.publicKeyPem },
  });
  if (o.url)
    for (const p of unsigned.projects)
      for (const d of p.documents) {
        delete d.bytes;
        d.url = typeof o.url === 'function' ? o.url(d.sha256) : documentPath(d.sha256);
      }
  return signPackage(unsigned, o.central.privateKeyPem);
}
