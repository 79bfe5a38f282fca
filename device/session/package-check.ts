import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import type { SessionPackage } from '../../protocol/session/schema.js';
import { base64Slices, rejection, verifyParsedPackage } from '../../protocol/session/verify.js';
import { checkRoster } from './roster.js';

/**
 * Checks one package file as received (or as held on disk, at start) and returns it without its
 * inline document bytes: those go to files, so the booth holds a package's PDFs on disk, not in
 * memory. Runs on a worker thread (package-check-thread.ts): parsing and verifying a large
 * package takes hundreds of milliseconds of CPU that must not stop the kiosk's event loop.
 *
 * In order: JSON, then protocol/session/verify.ts (schema, signature by one of the given central
 * keys, inline document hashes, addressee, expiry unless `now` is null), then every roster entry
 * opened with the booth key and checked against its schema (install only; plaintext dropped at
 * once), then the inline documents written to `stageDir` as `<sha256>.pdf`.
 */
export interface CheckInput {
  file: string;
  /** Central session keys a signature may name (at install: the pinned one only). */
  keys: { keyId: string; publicKeyPem: string }[];
  boothId: string;
  boothPublicKeyPem: string;
  /** Set at install: every roster entry must open. Null at start (it opened at install). */
  boothPrivateKeyPem: string | null;
  /** Wall clock for the expiry check; null = no expiry check (a held package, closed later). */
  now: number | null;
  /** Where inline documents are written; null = written nowhere (only checked). */
  stageDir: string | null;
  /** Inline documents already held (by sha256): not written again. */
  skip: string[];
}

export interface CheckResult {
  /** The package with every `bytes` removed (documents are files now). */
  pkg: SessionPackage;
  signerKeyId: string;
  /** sha256 of the inline documents written to stageDir. */
  staged: string[];
  entries: number;
}

export async function checkPackageFile(input: CheckInput): Promise<CheckResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(input.file, 'utf8')) as unknown;
  } catch (err) {
    throw rejection('malformed', `not valid JSON (${(err as Error).message})`);
  }
  try {
    return await checkParsed(raw, input);
  } catch (err) {
    // Name the package a rejection is about (when the body says): the channel reports it by id.
    const r = raw as { packageId?: unknown; version?: unknown } | null;
    if (err instanceof BoothError && typeof r?.packageId === 'string' && Number.isInteger(r.version))
      throw new BoothError(err.code, err.message, { ...err.details, packageId: r.packageId, version: r.version });
    throw err;
  }
}

async function checkParsed(raw: unknown, input: CheckInput): Promise<CheckResult> {
  const named = (raw as { signature?: { keyId?: unknown } } | null)?.signature?.keyId;
  const signer = input.keys.find((k) => k.keyId === named) ?? input.keys[0];
  const boothKey = createPublicKey(input.boothPublicKeyPem);
  const pkg = verifyParsedPackage(raw, {
    centralKey: signer ? createPublicKey(signer.publicKeyPem) : null,
    boothId: input.boothId,
    boothKey,
    // Zero never reaches expiresAt: a held package is checked for expiry by its owner.
    now: input.now ?? 0,
  });
  const entries = input.boothPrivateKeyPem
    ? checkRoster(pkg, createPrivateKey(input.boothPrivateKeyPem) as KeyObject)
    : pkg.roster.entries.length;
  const staged: string[] = [];
  const skip = new Set(input.skip);
  if (input.stageDir) await mkdir(input.stageDir, { recursive: true, mode: 0o700 });
  for (const project of pkg.projects)
    for (const doc of project.documents) {
      if (doc.bytes === undefined) continue;
      if (input.stageDir && !skip.has(doc.sha256) && !staged.includes(doc.sha256)) {
        // verifyParsedPackage checked these bytes against doc.sha256; decoded slice by slice.
        await writeSlices(join(input.stageDir, `${doc.sha256}.pdf`), base64Slices(doc.bytes));
        staged.push(doc.sha256);
      }
      delete doc.bytes;
    }
  return { pkg, signerKeyId: pkg.signature?.keyId ?? '', staged, entries };
}

/** Writes pieces to `path` durably (temp, fsync, rename): the stage folder is fsynced when adopted. */
async function writeSlices(path: string, slices: Iterable<Buffer>): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    for (const slice of slices) await fh.write(slice);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
