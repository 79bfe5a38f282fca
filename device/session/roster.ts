import type { KeyObject } from 'node:crypto';
import { compileValidator } from '../../protocol/validate.js';
import { openPart, partLabel, type PartName } from '../../protocol/session/seal.js';
import {
  IdentityPartSchema,
  MatchingPartSchema,
  type IdentityPart,
  type MatchingPart,
  type SessionPackage,
} from '../../protocol/session/schema.js';
import { rejection } from '../../protocol/session/verify.js';

/**
 * Opening roster parts with the booth key (docs/protocol.md, "Roster encryption"). Callers decide
 * when a part may open and audit it; this module only decrypts and checks the shape. Error
 * messages name the entry's opaque ref and the field, never a value.
 */
type Entry = SessionPackage['roster']['entries'][number];

const validators = {
  matching: compileValidator(MatchingPartSchema),
  identity: compileValidator(IdentityPartSchema),
};

export function openEntryPart(pkg: SessionPackage, entry: Entry, part: 'matching', key: KeyObject): MatchingPart;
export function openEntryPart(pkg: SessionPackage, entry: Entry, part: 'identity', key: KeyObject): IdentityPart;
export function openEntryPart(
  pkg: SessionPackage,
  entry: Entry,
  part: PartName,
  key: KeyObject,
): MatchingPart | IdentityPart {
  const label = partLabel(pkg.packageId, entry.ref, part, pkg.roster.recipient.keyId);
  const bytes = openPart(key, entry.ephemeralKey, label, entry[part]);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw rejection('malformed', `roster entry ${entry.ref} ${part} part is not JSON`);
  } finally {
    bytes.fill(0);
  }
  const check = validators[part].check(value);
  if (!check.ok)
    throw rejection(
      'malformed',
      `roster entry ${entry.ref} ${part} part: ${check.problems.map((p) => `${p.field}: expected ${p.expected}`).join('; ')}`,
    );
  return value as MatchingPart | IdentityPart;
}

/**
 * Install-time check of every entry: each part must open with this booth's key and match its
 * schema. The opened values are dropped at once (nothing is kept, logged or returned but the
 * count), so a package whose roster would fail at unlock or at a verification is refused now.
 */
export function checkRoster(pkg: SessionPackage, boothPrivateKey: KeyObject): number {
  for (const entry of pkg.roster.entries) {
    openEntryPart(pkg, entry, 'matching', boothPrivateKey);
    openEntryPart(pkg, entry, 'identity', boothPrivateKey);
  }
  return pkg.roster.entries.length;
}
