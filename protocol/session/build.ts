import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { keyId, publicKeyFrom, signDocument } from './keys.js';
import { hashPin, idNumberHash } from './hashes.js';
import { partLabel, sealEntry } from './seal.js';
import {
  ROSTER_ALGORITHM,
  SESSION_FORMAT,
  type IdentityPart,
  type MatchingPart,
  type SessionPackage,
  type SessionProjectData,
} from './schema.js';

/**
 * The central server's side of the protocol: builds, seals and signs a package. The booth never
 * runs this in production; the demo, the tests and the reference central server do.
 */
export interface ExpertInput {
  expertId: string;
  displayName: string;
  idNumber: string;
  photos: Buffer[];
  templates?: unknown[];
  assignments: IdentityPart['assignments'];
}

/**
 * A document travels inline (`pdf`: its bytes go into the package) or by reference (`url` and the
 * `sha256` of the bytes the booth will fetch: the central server's package channel).
 */
export type DocumentInput = {
  id: string;
  title: string;
  places: SessionProjectData['documents'][number]['places'];
} & ({ pdf: Buffer } | { url: string; sha256: string });

export interface ProjectInput extends Omit<SessionProjectData, 'documents'> {
  documents: DocumentInput[];
}

/** A staff member with the PIN in clear (hashed here) or already hashed (hashPin) as the central server stores it. */
export type StaffInput = { id: string; pin: string } | { id: string; salt: string; hash: string };

export interface PackageInput {
  packageId: string;
  version: number;
  centre: string;
  hall: string;
  booths: string[];
  date: string;
  unlockAt: string;
  expiresAt: string;
  projects: ProjectInput[];
  staff: StaffInput[];
  experts: ExpertInput[];
  /** The booth the roster is sealed to. */
  recipient: { boothId: string; publicKeyPem: string };
}

export function buildUnsignedPackage(input: PackageInput): SessionPackage {
  const boothKey = publicKeyFrom(input.recipient.publicKeyPem);
  const recipientKeyId = keyId(boothKey);
  const entries = input.experts.map((e) => {
    const ref = randomBytes(16).toString('hex');
    const matching: MatchingPart = {
      photos: e.photos.map((p) => p.toString('base64')),
      templates: e.templates ?? [],
      idNumberHash: idNumberHash(input.packageId, e.idNumber),
    };
    const identity: IdentityPart = { expertId: e.expertId, displayName: e.displayName, assignments: e.assignments };
    const sealed = sealEntry(
      boothKey,
      {
        matching: partLabel(input.packageId, ref, 'matching', recipientKeyId),
        identity: partLabel(input.packageId, ref, 'identity', recipientKeyId),
      },
      { matching: Buffer.from(canonicalJson(matching)), identity: Buffer.from(canonicalJson(identity)) },
    );
    return { ref, ...sealed };
  });
  // Shuffle so the entry order says nothing about the expert list's order.
  entries.sort((a, b) => a.ref.localeCompare(b.ref));
  return {
    format: SESSION_FORMAT,
    packageId: input.packageId,
    version: input.version,
    centre: input.centre,
    hall: input.hall,
    booths: input.booths,
    date: input.date,
    unlockAt: input.unlockAt,
    expiresAt: input.expiresAt,
    projects: input.projects.map((p) => ({
      ...p,
      documents: p.documents.map((d) =>
        'pdf' in d
          ? {
              id: d.id,
              title: d.title,
              sha256: createHash('sha256').update(d.pdf).digest('hex'),
              bytes: d.pdf.toString('base64'),
              places: d.places,
            }
          : { id: d.id, title: d.title, sha256: d.sha256, url: d.url, places: d.places },
      ),
    })),
    staff: input.staff.map((s) =>
      'pin' in s ? { id: s.id, ...hashPin(s.pin) } : { id: s.id, salt: s.salt, hash: s.hash },
    ),
    roster: {
      algorithm: ROSTER_ALGORITHM,
      recipient: { boothId: input.recipient.boothId, keyId: recipientKeyId },
      entries,
    },
  };
}

export function signPackage(pkg: SessionPackage, centralPrivateKeyPem: string): SessionPackage {
  return { ...pkg, signature: signDocument('package', pkg, centralPrivateKeyPem) };
}

export function buildPackage(input: PackageInput, centralPrivateKeyPem: string): SessionPackage {
  return signPackage(buildUnsignedPackage(input), centralPrivateKeyPem);
}
