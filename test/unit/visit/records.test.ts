import { describe, expect, it } from 'vitest';
import { decide } from '../../../device/visit/capture-loop.js';
import type { FrameCheck } from '../../../device/visit/ports.js';
import {
  lateMinutes,
  noShowRecord,
  signRecord,
  visitRecord,
  type SignedDocumentEntry,
} from '../../../device/visit/records.js';
import type { TSchema } from '@sinclair/typebox';
import { compileValidator } from '../../../protocol/validate.js';
import { NoShowPayloadSchema, SignPayloadSchema, VisitPayloadSchema } from '../../../protocol/records/payloads.js';
import type { Visit } from '../../../device/core/visit/types.js';

const T0 = Date.parse('2026-11-26T01:00:00Z');
const P = 'a'.repeat(64);
const A = 'b'.repeat(64);
const B = 'c'.repeat(64);

/** Validation as the central server does it on arrival. */
function checker(schema: TSchema) {
  const v = compileValidator(schema);
  return {
    problems(payload: unknown): string[] {
      try {
        v.parse(structuredClone(payload), 'payload');
        return [];
      } catch (err) {
        return [(err as Error).message];
      }
    },
  };
}
const signSchema = checker(SignPayloadSchema);
const visitSchema = checker(VisitPayloadSchema);
const noShowSchema = checker(NoShowPayloadSchema);
const visit: Visit = {
  id: 'V1',
  startedAt: T0 + 10 * 60_000,
  consent: { version: 'face-consent/1', accepted: true, at: T0 + 10 * 60_000 },
  method: 'face',
  attempts: 1,
  failedAttempts: 1,
  faceScore: 0.62,
  livenessScore: 0.97,
  witnessStaffId: null,
  verifiedAt: T0 + 12 * 60_000 + 59_000,
  expert: { ref: 'r', expertId: 'EXP-1', maskedName: '王*国', projects: [] },
  override: null,
  choice: { projectId: 'P1', action: 'sign', reason: '' },
};

describe('records', () => {
  it('late minutes are whole minutes after the scheduled sign-in, never negative', () => {
    expect(lateMinutes(T0, T0 + 12 * 60_000 + 59_000)).toBe(12);
    expect(lateMinutes(T0, T0 + 59_000)).toBe(0);
    expect(lateMinutes(T0, T0 - 30 * 60_000)).toBe(0);
  });

  it('a sign record carries who, what, how, when and the document hashes', () => {
    const r = signRecord({
      signId: 'S1',
      packageId: 'pkg',
      packageVersion: 2,
      boothId: 'b1',
      visit,
      choice: { projectId: 'P1', action: 'dissent', reason: '理由' },
      seat: 3,
      scheduledSignIn: T0,
      documents: [
        { documentId: 'report', sha256Published: P, sha256Before: A, sha256After: B, placesStamped: 4, blob: `h-${B}` },
      ],
      signature: { samples: 100, strokes: 3, dynamicsBlob: 'k-1' },
      sealedAt: T0 + 14 * 60_000,
    });
    expect(r).toEqual({
      type: 'sign',
      signId: 'S1',
      packageId: 'pkg',
      packageVersion: 2,
      boothId: 'b1',
      visitId: 'V1',
      expertId: 'EXP-1',
      projectId: 'P1',
      seat: 3,
      action: 'dissent',
      reason: '理由',
      method: 'face',
      consent: { version: 'face-consent/1', accepted: true },
      faceScore: 0.62,
      livenessScore: 0.97,
      attempts: 2,
      witnessStaffId: null,
      override: null,
      scheduledSignIn: '2026-11-26T01:00:00.000Z',
      signedInAt: '2026-11-26T01:12:59.000Z',
      lateMinutes: 12,
      documents: [
        { documentId: 'report', sha256Published: P, sha256Before: A, sha256After: B, placesStamped: 4, blob: `h-${B}` },
      ],
      signature: { samples: 100, strokes: 3, dynamicsBlob: 'k-1' },
      times: {
        visitStartedAt: '2026-11-26T01:10:00.000Z',
        verifiedAt: '2026-11-26T01:12:59.000Z',
        sealedAt: '2026-11-26T01:14:00.000Z',
      },
    });
  });

  it('visit and no-show records say when the expert left and who never came', () => {
    expect(
      visitRecord(visit, 'completed', T0 + 15 * 60_000, { packageId: 'pkg', boothId: 'b1', signId: 'S1' }),
    ).toMatchObject({
      type: 'visit',
      outcome: 'completed',
      leftAt: '2026-11-26T01:15:00.000Z',
      expertId: 'EXP-1',
      projectId: 'P1',
    });
    expect(
      noShowRecord({
        packageId: 'pkg',
        packageVersion: 3,
        boothId: 'b1',
        expertId: 'E2',
        projectId: 'P1',
        seat: 2,
        scheduledSignIn: 'x',
        closedAt: T0,
        cause: 'expiry',
      }),
    ).toMatchObject({ type: 'no-show', expertId: 'E2', closedAt: '2026-11-26T01:00:00.000Z', cause: 'expiry' });
  });

  it('the payloads the booth builds are what the central server validates (protocol/records/payloads.ts)', () => {
    const sign = (choice: Visit['choice'], documents: SignedDocumentEntry[]) =>
      signRecord({
        signId: '01JD0000000000000000000001',
        packageId: '2026-12-07.hall2-b1',
        packageVersion: 1,
        boothId: 'hall2-b1',
        visit: { ...visit, choice },
        choice: choice!,
        seat: 1,
        scheduledSignIn: T0,
        documents,
        signature: null,
        sealedAt: T0 + 14 * 60_000,
      });
    const signed = sign({ projectId: 'P1', action: 'sign', reason: '' }, [
      { documentId: 'report', sha256Published: P, sha256Before: P, sha256After: B, placesStamped: 2, blob: `h-${B}` },
    ]);
    const refused = sign({ projectId: 'P1', action: 'refuse', reason: '' }, [
      { documentId: 'report', sha256Published: P, sha256Before: B, sha256After: B, placesStamped: 0, blob: null },
    ]);
    const witnessed = signRecord({
      ...{ signId: 'S2', packageId: 'pkg', packageVersion: 4, boothId: 'b1', seat: 2, scheduledSignIn: T0 },
      visit: { ...visit, method: 'staff-witness', witnessStaffId: 'staff-01', faceScore: null, livenessScore: null },
      choice: { projectId: 'P1', action: 'dissent', reason: '理由' },
      documents: [],
      signature: { samples: 10, strokes: 1, dynamicsBlob: `k-${A}` },
      sealedAt: T0,
    });
    for (const p of [signed, refused, witnessed]) expect(signSchema.problems(p)).toEqual([]);
    for (const outcome of ['completed', 'cancelled', 'failed'] as const)
      expect(
        visitSchema.problems(visitRecord(visit, outcome, T0, { packageId: 'pkg', boothId: 'b1', signId: null })),
      ).toEqual([]);
    const fresh: Visit = {
      ...visit,
      expert: null,
      choice: null,
      verifiedAt: null,
      method: null,
      attempts: 0,
      failedAttempts: 0,
    };
    expect(
      visitSchema.problems(visitRecord(fresh, 'cancelled', T0, { packageId: null, boothId: 'b1', signId: null })),
    ).toEqual([]);
    for (const cause of ['close', 'expiry', 'replaced', 'revoked'] as const)
      expect(
        noShowSchema.problems(
          noShowRecord({
            packageId: 'pkg',
            packageVersion: 1,
            boothId: 'b1',
            expertId: 'E2',
            projectId: 'P1',
            seat: 2,
            scheduledSignIn: '2026-11-26T01:00:00Z',
            closedAt: T0,
            cause,
          }),
        ),
      ).toEqual([]);
    // And the schema is not a rubber stamp: a document without its published hash is refused.
    const { sha256Published: _, ...old } = (signed.documents as SignedDocumentEntry[])[0]!;
    expect(signSchema.problems({ ...signed, documents: [old] })).not.toEqual([]);
  });
});

describe('face decision over frames', () => {
  const frame = (match: FrameCheck['match'], liveness: number | null = 0.9): FrameCheck => ({
    width: 640,
    height: 480,
    faces: 1,
    box: null,
    prompt: null,
    match,
    liveness,
    observation: { at: 0, face: true },
    continuity: null,
    session: null,
  });
  const rule = { threshold: 0.5, minFrames: 3 };
  const a = (score: number) => ({ kind: 'match' as const, ref: 'A', score });

  it('verifies when every frame matches the same ref and looks live; reports the weakest score', () => {
    expect(decide([frame(a(0.7)), frame(a(0.6)), frame(a(0.65))], rule)).toEqual({
      kind: 'verified',
      ref: 'A',
      score: 0.6,
      liveness: 0.9,
    });
  });

  it('rejects no match, mixed identities and a photo that is not live', () => {
    const unknown = { kind: 'unknown' as const, reason: 'below_threshold', score: 0.1 };
    expect(decide([frame(unknown), frame(unknown), frame(unknown)], rule)).toEqual({
      kind: 'rejected',
      reason: 'below_threshold',
    });
    expect(decide([frame(a(0.7)), frame({ kind: 'match', ref: 'B', score: 0.7 }), frame(a(0.7))], rule)).toEqual({
      kind: 'rejected',
      reason: 'inconsistent',
    });
    expect(decide([frame(a(0.7), 0.1), frame(a(0.7), 0.2), frame(a(0.7), 0.9)], rule)).toEqual({
      kind: 'rejected',
      reason: 'not_live',
    });
  });
});
