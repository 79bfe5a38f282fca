import type { Choice, Visit, VisitOutcome } from '../core/visit/types.js';
import type { NoShowPayload, SignPayload } from '../../protocol/records/payloads.js';

/**
 * The payloads of the records the visit commits (pure). Field names are the archive's and the
 * credit evaluation's vocabulary (docs/visit.md): who, which project and seat, what they chose
 * and why, how they were verified and how sure, scheduled vs actual sign-in, document hashes.
 * Times are ISO 8601 UTC strings; scores are numbers or null. The central server validates
 * them against protocol/records/payloads.ts (test/unit/visit/records.test.ts checks they do).
 */

/** One document of a sign record: published PDF, the revision stamped on, the sealed result and its blob. */
export type SignedDocumentEntry = SignPayload['documents'][number];
export type NoShowCause = NoShowPayload['cause'];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Whole minutes between the scheduled sign-in and verification; 0 when on time or early. */
export function lateMinutes(scheduledSignIn: number, signedInAt: number): number {
  return Math.max(0, Math.floor((signedInAt - scheduledSignIn) / 60_000));
}

export interface SignRecordInput {
  signId: string;
  packageId: string;
  packageVersion: number;
  boothId: string;
  visit: Visit;
  choice: Choice;
  seat: number;
  scheduledSignIn: number;
  documents: SignedDocumentEntry[];
  signature: { samples: number; strokes: number; dynamicsBlob: string | null } | null;
  sealedAt: number;
}

export function signRecord(i: SignRecordInput): Record<string, unknown> {
  const v = i.visit;
  const verifiedAt = v.verifiedAt ?? i.sealedAt;
  return {
    type: 'sign',
    signId: i.signId,
    packageId: i.packageId,
    packageVersion: i.packageVersion,
    boothId: i.boothId,
    visitId: v.id,
    expertId: v.expert?.expertId ?? null,
    projectId: i.choice.projectId,
    seat: i.seat,
    action: i.choice.action,
    reason: i.choice.reason || null,
    method: v.method,
    consent: v.consent ? { version: v.consent.version, accepted: v.consent.accepted } : null,
    faceScore: v.faceScore,
    livenessScore: v.livenessScore,
    attempts: v.failedAttempts + 1,
    witnessStaffId: v.witnessStaffId,
    override:
      v.override && v.override.projectId === i.choice.projectId
        ? { staffId: v.override.staffId, at: iso(v.override.at) }
        : null,
    scheduledSignIn: iso(i.scheduledSignIn),
    signedInAt: iso(verifiedAt),
    lateMinutes: lateMinutes(i.scheduledSignIn, verifiedAt),
    documents: i.documents.map((d) => ({
      documentId: d.documentId,
      sha256Published: d.sha256Published,
      sha256Before: d.sha256Before,
      sha256After: d.sha256After,
      placesStamped: d.placesStamped,
      blob: d.blob,
    })),
    signature: i.signature,
    times: { visitStartedAt: iso(v.startedAt), verifiedAt: iso(verifiedAt), sealedAt: iso(i.sealedAt) },
  };
}

export function visitRecord(
  visit: Visit,
  outcome: VisitOutcome,
  leftAt: number,
  ids: { packageId: string | null; boothId: string; signId: string | null },
): Record<string, unknown> {
  return {
    type: 'visit',
    visitId: visit.id,
    packageId: ids.packageId,
    boothId: ids.boothId,
    outcome,
    method: visit.method,
    consent: visit.consent ? { version: visit.consent.version, accepted: visit.consent.accepted } : null,
    attempts: visit.failedAttempts,
    expertId: visit.expert?.expertId ?? null,
    projectId: visit.choice?.projectId ?? null,
    signId: ids.signId,
    startedAt: iso(visit.startedAt),
    verifiedAt: iso(visit.verifiedAt),
    leftAt: iso(leftAt),
  };
}

/**
 * An assigned expert who had not finished the project when this version of the package ended:
 * `cause` says how it ended (close, expiry, replaced by a newer version, revoked), so the
 * central server can tell a real no-show from a session that moved to another version.
 */
export function noShowRecord(i: {
  packageId: string;
  packageVersion: number;
  boothId: string;
  expertId: string;
  projectId: string;
  seat: number;
  scheduledSignIn: string;
  closedAt: number;
  /** Why the session ended with this expert absent: closed by staff, expired, replaced, revoked. */
  cause: NoShowCause;
}): NoShowPayload {
  return { type: 'no-show', ...i, closedAt: iso(i.closedAt) as string };
}
