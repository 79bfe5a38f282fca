import { createHash, type KeyObject } from 'node:crypto';
import { BoothError } from '../errors.js';
import { compileValidator } from '../validate.js';
import { SessionPackageSchema, type SessionPackage } from './schema.js';
import { keyId, verifyDocument } from './keys.js';

/**
 * Checks a session package from outside, in this order, and names the first failure:
 * malformed (not JSON, not the schema, inconsistent) -> unsigned -> other-key (signed by a key
 * other than the pinned central key) -> tampered (signature does not verify, or an inline
 * document does not match its sha256) -> other-booth (not addressed to this booth or sealed to
 * another key) -> expired. Verification is pure: it changes nothing, so a rejected package
 * leaves the booth exactly as it was. Two reasons come from the booth's own state, not from
 * this function: `stale` (a version not newer than one the booth ever held, or a closed or
 * revoked package) and `unavailable` (a document published by url could not be fetched).
 */
export const REJECTION_REASONS = [
  'malformed',
  'unsigned',
  'other-key',
  'tampered',
  'other-booth',
  'expired',
  'stale',
  'unavailable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface TrustContext {
  /** The pinned central server key (from the certificate or key file in config); null = none pinned. */
  centralKey: KeyObject | null;
  boothId: string;
  /** The booth's own public key: the roster must be sealed to it. */
  boothKey: KeyObject;
  /** Wall clock, ms since the epoch. */
  now: number;
}

export function rejection(reason: RejectionReason, message: string, details: Record<string, unknown> = {}): BoothError {
  return new BoothError('BOOTH_ERR_SESSION_REJECTED', `session package rejected (${reason}): ${message}`, {
    reason,
    ...details,
  });
}

const packageValidator = compileValidator(SessionPackageSchema);

export function parseJson(input: Buffer | string | unknown): unknown {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return structuredClone(input);
  try {
    return JSON.parse(Buffer.isBuffer(input) ? input.toString('utf8') : input) as unknown;
  } catch (err) {
    throw rejection('malformed', `not valid JSON (${(err as Error).message})`);
  }
}

function checkShape(pkg: SessionPackage): void {
  const unique = (what: string, ids: string[]) => {
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) throw rejection('malformed', `${what} "${dup}" appears twice`);
  };
  unique(
    'project id',
    pkg.projects.map((p) => p.id),
  );
  unique(
    'roster ref',
    pkg.roster.entries.map((e) => e.ref),
  );
  unique(
    'staff id',
    pkg.staff.map((s) => s.id),
  );
  for (const p of pkg.projects)
    for (const d of p.documents)
      if (d.bytes === undefined && d.url === undefined)
        throw rejection('malformed', `document ${p.id}/${d.id} has neither bytes nor url`);
  if (Date.parse(pkg.expiresAt) <= Date.parse(pkg.unlockAt))
    throw rejection('malformed', 'expiresAt is not after unlockAt');
}

export function verifyPackage(input: Buffer | string | unknown, trust: TrustContext): SessionPackage {
  return verifyParsedPackage(parseJson(input), trust);
}

/**
 * The same checks on a value already parsed from JSON and owned by the caller (not copied: a
 * large package is not held twice). The value is returned as the package when it passes.
 */
export function verifyParsedPackage(raw: unknown, trust: TrustContext): SessionPackage {
  const check = packageValidator.check(raw);
  if (!check.ok)
    throw rejection('malformed', check.problems.map((p) => `${p.field}: expected ${p.expected}`).join('; '), {
      problems: check.problems,
    });
  const pkg = raw as SessionPackage;
  checkShape(pkg);
  if (!pkg.signature) throw rejection('unsigned', 'the package carries no signature');
  if (!trust.centralKey) throw rejection('other-key', 'no central server key is pinned on this booth');
  const centralId = keyId(trust.centralKey);
  if (pkg.signature.keyId !== centralId)
    throw rejection('other-key', 'signed by a key other than the pinned central key', {
      keyId: pkg.signature.keyId,
      expected: centralId,
    });
  if (!verifyDocument('package', pkg, pkg.signature.value, trust.centralKey))
    throw rejection('tampered', 'the signature does not match the content');
  for (const p of pkg.projects)
    for (const d of p.documents)
      if (d.bytes !== undefined && sha256OfBase64(d.bytes) !== d.sha256)
        throw rejection('tampered', `document ${p.id}/${d.id} does not match its sha256`);
  if (!pkg.booths.includes(trust.boothId) || pkg.roster.recipient.boothId !== trust.boothId)
    throw rejection('other-booth', `the package is for ${pkg.booths.join(', ')}, this is ${trust.boothId}`);
  if (pkg.roster.recipient.keyId !== keyId(trust.boothKey))
    throw rejection('other-booth', 'the roster is sealed to another booth key');
  if (trust.now >= Date.parse(pkg.expiresAt)) throw rejection('expired', `the package expired at ${pkg.expiresAt}`);
  return pkg;
}

/** Base64 is decoded in slices (a multiple of 4 characters), so a large inline document is never decoded whole. */
const BASE64_SLICE = 4 * 1024 * 1024;

export function* base64Slices(b64: string): Generator<Buffer> {
  for (let i = 0; i < b64.length; i += BASE64_SLICE) yield Buffer.from(b64.slice(i, i + BASE64_SLICE), 'base64');
}

export function sha256OfBase64(b64: string): string {
  const h = createHash('sha256');
  for (const slice of base64Slices(b64)) h.update(slice);
  return h.digest('hex');
}
