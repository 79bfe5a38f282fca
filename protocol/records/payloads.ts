import { Type, type Static } from '@sinclair/typebox';

/**
 * The payloads of the records a booth commits, as the central server reads them for the archive,
 * the daily logs and credit evaluation. The booth builds them (device/visit/records.ts) and its
 * tests check them against these schemas; the central server validates each record's payload on
 * arrival. Records are signed evidence: a payload with fields beyond these is still stored (a
 * newer booth may add some), so objects allow additional properties; what is declared is checked.
 */
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Sha = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Iso = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);
const Open = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: true, description });

export const Method = Type.Union([Type.Literal('face'), Type.Literal('staff-witness')]);
export const SignAction = Type.Union([Type.Literal('sign'), Type.Literal('dissent'), Type.Literal('refuse')]);

export const SignedDocument = Open(
  {
    documentId: Id,
    sha256Published: Sha,
    sha256Before: Sha,
    sha256After: Sha,
    placesStamped: Type.Integer({ minimum: 0 }),
    blob: Type.Union([Type.String({ pattern: '^h-[0-9a-f]{64}$' }), Type.Null()], {
      description: 'content-addressed id of the sealed revision (null for a refusal: nothing is written)',
    }),
  },
  'one document of the project: the published PDF, the revision it was stamped on, and the sealed result',
);

export const SignPayloadSchema = Open(
  {
    type: Type.Literal('sign'),
    signId: Id,
    packageId: Id,
    packageVersion: Type.Integer({ minimum: 1 }),
    boothId: Id,
    visitId: Id,
    expertId: Id,
    projectId: Id,
    seat: Type.Integer({ minimum: 1 }),
    action: SignAction,
    reason: Type.Union([Type.String(), Type.Null()]),
    method: Method,
    attempts: Type.Integer({ minimum: 1 }),
    witnessStaffId: Type.Union([Type.String(), Type.Null()]),
    override: Type.Union([Open({ staffId: Id, at: Nullable(Iso) }, 'staff override'), Type.Null()]),
    scheduledSignIn: Iso,
    signedInAt: Iso,
    lateMinutes: Type.Integer({ minimum: 0 }),
    documents: Type.Array(SignedDocument),
  },
  'one expert finished one project: sign, sign with dissent, or refuse',
);
export type SignPayload = Static<typeof SignPayloadSchema>;

export const NoShowCause = Type.Union([
  Type.Literal('close'),
  Type.Literal('expiry'),
  Type.Literal('replaced'),
  Type.Literal('revoked'),
]);

export const NoShowPayloadSchema = Open(
  {
    type: Type.Literal('no-show'),
    packageId: Id,
    packageVersion: Type.Integer({ minimum: 1 }),
    boothId: Id,
    expertId: Id,
    projectId: Id,
    seat: Type.Integer({ minimum: 1 }),
    scheduledSignIn: Iso,
    closedAt: Iso,
    cause: NoShowCause,
  },
  'an assigned expert who had not finished this project when the session closed',
);
export type NoShowPayload = Static<typeof NoShowPayloadSchema>;

export const VisitPayloadSchema = Open(
  {
    type: Type.Literal('visit'),
    visitId: Id,
    packageId: Nullable(Id),
    boothId: Id,
    outcome: Type.String(),
    method: Type.Union([Method, Type.Null()]),
    attempts: Type.Integer({ minimum: 0 }),
    expertId: Nullable(Id),
    projectId: Nullable(Id),
    startedAt: Iso,
    leftAt: Iso,
  },
  'one visit at the kiosk, whatever its outcome (failed attempts count for credit)',
);
export type VisitPayload = Static<typeof VisitPayloadSchema>;

export const AuditPayloadSchema = Open(
  { event: Type.String({ minLength: 1, maxLength: 64 }), boothId: Id },
  'an audit event: every state change, every roster opening, session and sealing events',
);

// issue 15: tuning changes are journaled
export const TuningChangedPayloadSchema = Open(
  {
    event: Type.Literal('tuning.changed'),
    boothId: Id,
    key: Type.String({ minLength: 1, maxLength: 128, description: 'dotted config path (device/tuning/catalogue.ts)' }),
    old: Type.Unknown({ description: 'value in force before (JSON)' }),
    new: Type.Unknown({ description: 'value in force after (JSON)' }),
    actor: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'who: `<editor user>@node-red:<node id>` for a flow',
    }),
    at: Iso,
  },
  'a site tuning change (an audit record): journaled before it applies',
);
export type TuningChangedPayload = Static<typeof TuningChangedPayloadSchema>;
// issue 15: staff PINs
const PinRoute = Type.Union([Type.Literal('session-close'), Type.Literal('override'), Type.Literal('witness')]);
const PinCommon = {
  boothId: Id,
  staffId: Id,
  route: PinRoute,
  visitId: Type.Union([Id, Type.Null()]),
  at: Iso,
};

export const StaffPinFailedPayloadSchema = Open(
  {
    event: Type.Literal('staff.pin.failed'),
    ...PinCommon,
    failures: Type.Integer({ minimum: 1, description: 'consecutive failures of this staff id' }),
    boothFailures: Type.Integer({ minimum: 1, description: 'consecutive failures at this booth, every id' }),
  },
  'a staff id and PIN that did not match (the id may not exist: it is what was typed)',
);
export type StaffPinFailedPayload = Static<typeof StaffPinFailedPayloadSchema>;

export const StaffPinLockedPayloadSchema = Open(
  {
    event: Type.Literal('staff.pin.locked'),
    ...PinCommon,
    scope: Type.Union([Type.Literal('staff'), Type.Literal('booth')]),
    failures: Type.Integer({ minimum: 1 }),
    lockMs: Type.Integer({ minimum: 1 }),
    until: Iso,
  },
  'too many wrong PINs: checks for this staff id (scope staff) or every id (scope booth) refused until `until`',
);
export type StaffPinLockedPayload = Static<typeof StaffPinLockedPayloadSchema>;

/** Audit events with a payload schema of their own (checked on top of AuditPayloadSchema). */
export const AUDIT_EVENT_SCHEMAS = {
  'tuning.changed': TuningChangedPayloadSchema,
  'staff.pin.failed': StaffPinFailedPayloadSchema,
  'staff.pin.locked': StaffPinLockedPayloadSchema,
} as const;
