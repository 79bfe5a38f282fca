import { Type, type Static } from '@sinclair/typebox';

/**
 * Schemas of the kiosk API (docs/visit.md lists the routes). The view schema doubles as the
 * response serializer, so a field the kiosk must not see cannot slip out by accident: fastify
 * drops anything not declared here.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ProjectViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  section: Type.String(),
  seat: Type.Integer(),
  scheduledSignIn: Type.Number(),
  done: Type.Boolean(),
});

const ChoiceSchema = Type.Object({
  projectId: Type.String(),
  action: Type.Union([Type.Literal('sign'), Type.Literal('dissent'), Type.Literal('refuse')]),
  reason: Type.String(),
});

export const KioskViewSchema = Type.Object({
  seq: Type.Integer({ description: 'grows with every change; a page ignores a view older than the one it shows' }),
  screen: Type.String(),
  visitId: Nullable(Type.String()),
  remainingMs: Nullable(Type.Number()),
  consentVersion: Type.String(),
  prompt: Nullable(Type.String()),
  paused: Type.Boolean(),
  attemptsLeft: Type.Integer(),
  rejectedReason: Nullable(Type.String()),
  method: Nullable(Type.String()),
  expert: Nullable(Type.Object({ maskedName: Type.String(), projects: Type.Array(ProjectViewSchema) })),
  projectId: Nullable(Type.String()),
  choice: Nullable(ChoiceSchema),
  problems: Type.Array(Type.String()),
  receipt: Nullable(
    Type.Object({ projectId: Type.String(), action: Type.String(), recordId: Type.String(), at: Type.Number() }),
  ),
  failedCode: Nullable(Type.String()),
});

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });

export const ConsentBody = Type.Object(
  { accepted: Type.Boolean(), version: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const ProjectBody = Type.Object({ projectId: Id }, { additionalProperties: false });
export const ActionBody = Type.Object(
  {
    action: Type.Union([Type.Literal('sign'), Type.Literal('dissent'), Type.Literal('refuse')]),
    // Typed text: tabs and line breaks, no other control characters (a NUL cannot be stored
    // by the central server's database, and none belongs in a signed dissent).
    reason: Type.String({
      maxLength: 500,
      default: '',
      pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$',
    }),
  },
  { additionalProperties: false },
);
const Staff = { staffId: Id, pin: Type.String({ minLength: 4, maxLength: 32 }) };
export const WitnessBody = Type.Object(
  { ...Staff, idNumber: Type.String({ minLength: 6, maxLength: 32, pattern: '^[0-9A-Za-z ]+$' }) },
  { additionalProperties: false },
);
export const OverrideBody = Type.Object({ ...Staff, projectId: Id }, { additionalProperties: false });
export const StaffBody = Type.Object(Staff, { additionalProperties: false });
export const SimCameraBody = Type.Object(
  { source: Type.Union([Type.Literal('expert'), Type.Literal('stranger'), Type.Literal('two')]) },
  { additionalProperties: false },
);

export const SessionSummarySchema = Type.Object({
  installed: Type.Boolean(),
  packageId: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  centre: Nullable(Type.String()),
  hall: Nullable(Type.String()),
  date: Nullable(Type.String()),
  unlockAt: Nullable(Type.String()),
  sealed: Type.Boolean(),
  simulation: Type.Boolean(),
  held: Type.Array(
    Type.Object({
      packageId: Type.String(),
      version: Type.Integer(),
      date: Type.String(),
      unlockAt: Type.String(),
      expiresAt: Type.String(),
      sealed: Type.Boolean(),
    }),
    { description: 'every package held, by unlock time (the first open one is in use)' },
  ),
});
export type SessionSummary = Static<typeof SessionSummarySchema>;
