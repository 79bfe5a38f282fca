import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The reports' inputs and outputs (docs/central.md, "Reports"). The admin API validates and
 * serialises with these; CSV is rendered from the same rows (columns.ts).
 */

/** What a row says when neither a sign/dissent/refuse record nor a session-close no-show arrived. */
export const UNKNOWN = 'unknown: booth did not report';

const LocalDate = Type.String({ format: 'date', description: 'a local date in the centre time zone, YYYY-MM-DD' });
const Instant = Type.Union([Type.String({ description: 'ISO 8601 with the centre offset' }), Type.Null()]);
const Text = Type.Union([Type.String(), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const closed = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const Action = Type.Union([
  Type.Literal('sign'),
  Type.Literal('dissent'),
  Type.Literal('refuse'),
  Type.Literal('absent'),
  Type.Literal(UNKNOWN),
]);
export type Action = Static<typeof Action>;

export const DailyRow = closed(
  {
    date: LocalDate,
    expertId: Type.String(),
    expertName: Type.String(),
    projectId: Type.String(),
    projectName: Type.String(),
    section: Type.String(),
    room: Type.String(),
    booth: Text,
    planBooth: Text,
    seat: Type.Integer(),
    scheduledSignIn: Instant,
    signedInAt: Instant,
    lateMinutes: Type.Union([Type.Integer(), Type.Null()]),
    lateMinutesReliable: Type.Union([Type.Boolean(), Type.Null()]),
    clockSynced: Type.Union([Type.Boolean(), Type.Null()]),
    method: Type.Union([Type.Literal('face'), Type.Literal('staff-witness'), Type.Null()]),
    action: Action,
    witnessStaffId: Text,
    overrideStaffId: Text,
    signId: Text,
    signRecords: Count,
    inPlan: Type.Boolean(),
    note: Type.String(),
  },
  'one assignment of the day (or a sign record the plan does not have, inPlan false)',
);
export type DailyRow = Static<typeof DailyRow>;

export const FollowUp = closed(
  {
    date: LocalDate,
    expertId: Type.String(),
    expertName: Type.String(),
    projectId: Type.String(),
    projectName: Type.String(),
    room: Type.String(),
    booth: Text,
    seat: Type.Integer(),
    scheduledSignIn: Instant,
    boothLastContactAt: Instant,
    note: Type.String(),
  },
  'an assignment whose outcome is unknown: ask the booth (switch it on, close its session, collect)',
);
export type FollowUp = Static<typeof FollowUp>;

const ExpertRef = closed({ expertId: Type.String(), expertName: Type.String() }, 'an expert');
export type ExpertRef = Static<typeof ExpertRef>;

export const ProjectRow = closed(
  {
    date: LocalDate,
    projectId: Type.String(),
    projectName: Type.String(),
    section: Type.String(),
    room: Type.String(),
    booth: Text,
    scheduledStart: Instant,
    inPlan: Type.Boolean(),
    assigned: Type.Array(ExpertRef),
    signed: Type.Array(ExpertRef),
    dissented: Type.Array(ExpertRef),
    refused: Type.Array(ExpertRef),
    absent: Type.Array(ExpertRef),
    unknown: Type.Array(ExpertRef),
    completedAt: Type.Union([Type.String(), Type.Null()], {
      description:
        'when every assigned seat had a sign, dissent or refuse record: the time of the last of those; null while incomplete',
    }),
  },
  "one project of the day's plan and what became of each seat",
);
export type ProjectRow = Static<typeof ProjectRow>;

export const CreditRow = closed(
  {
    expertId: Type.String(),
    expertName: Type.String(),
    assigned: Count,
    attended: Count,
    signed: Count,
    dissent: Count,
    refused: Count,
    absent: Count,
    unknown: Count,
    lateCount: Count,
    lateMinutes: Count,
    lateUnsyncedCount: Count,
    lateUnsyncedMinutes: Count,
    staffWitnessed: Count,
    overrides: Count,
    failedAttempts: Count,
    lockedOut: Count,
    unplanned: Count,
  },
  'one expert over the period',
);
export type CreditRow = Static<typeof CreditRow>;

const report = <T extends TSchema, E extends Record<string, TSchema>>(rows: T, extra: E, description: string) =>
  closed({ ...extra, timeZone: Type.String(), rows: Type.Array(rows), followUp: Type.Array(FollowUp) }, description);

export const DailyInput = closed({ date: LocalDate }, 'one local date');
export const CreditInput = closed({ from: LocalDate, to: LocalDate }, 'a period of local dates, both inclusive');

export const DailyReport = report(
  DailyRow,
  { report: Type.Literal('daily'), date: LocalDate },
  'the expert daily log (专家身份信息日志 and 每日参与项目信息日志)',
);
export type DailyReport = Static<typeof DailyReport>;

export const ProjectReport = report(
  ProjectRow,
  { report: Type.Literal('project'), date: LocalDate },
  'project daily participation',
);
export type ProjectReport = Static<typeof ProjectReport>;

export const CreditReport = report(
  CreditRow,
  {
    report: Type.Literal('credit'),
    from: LocalDate,
    to: LocalDate,
    unattributed: closed(
      { visits: Count, failedAttempts: Count, lockedOut: Count },
      'visits of the period that never identified an expert (a face that matched nobody): they cannot be credited to anyone',
    ),
  },
  'credit data per expert over a period',
);
export type CreditReport = Static<typeof CreditReport>;
