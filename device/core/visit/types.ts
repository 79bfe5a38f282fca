/**
 * The visit as data (pure): the states an expert passes through at the booth, the inputs that
 * move them, and the effects the visit service carries out. Nothing here does I/O or reads a
 * clock; `now` comes with every input.
 */

export type VisitMethod = 'face' | 'staff-witness';
export type SignAction = 'sign' | 'dissent' | 'refuse';
export type LedPattern = 'idle' | 'busy' | 'success' | 'failure' | 'fault';

/** One project of the verified expert, as the kiosk may show it (never another expert's). */
export interface ProjectView {
  id: string;
  name: string;
  section: string;
  seat: number;
  /** Scheduled sign-in, ms since the epoch. */
  scheduledSignIn: number;
  /** Signed (or refused) by this expert in an earlier visit. */
  done: boolean;
}

export interface ExpertView {
  /** Opaque roster reference. */
  ref: string;
  expertId: string;
  /** The name with all but the first and last character masked (王*国). */
  maskedName: string;
  projects: ProjectView[];
}

export interface Now {
  /** Wall clock, ms since the epoch (records). */
  wall: number;
  /** Monotonic ms (timeouts: immune to clock jumps). */
  mono: number;
}

export interface VisitPolicy {
  consentVersion: string;
  /** Rejected face attempts (or failed witnessed checks) before the lockout. */
  maxAttempts: number;
  lockoutMs: number;
  timeouts: Record<TimedState, number>;
}

export type TimedState =
  'consent' | 'capture' | 'witness' | 'rejected' | 'projects' | 'action' | 'signing' | 'confirm' | 'receipt' | 'failed';

export interface Choice {
  projectId: string;
  action: SignAction;
  /** Dissent or refusal reason, as the expert gave it (may be empty for a refusal). */
  reason: string;
}

export interface Receipt {
  projectId: string;
  action: SignAction;
  recordId: string;
  at: number;
}

export type State =
  | { name: 'idle' }
  | { name: 'consent' }
  | { name: 'capture'; paused: boolean; prompt: string | null }
  | { name: 'witness' }
  | { name: 'rejected'; reason: string }
  | { name: 'locked' }
  | { name: 'projects' }
  | { name: 'action'; projectId: string }
  | { name: 'signing'; choice: Choice; problems: string[] }
  | { name: 'confirm'; choice: Choice }
  | { name: 'sealing'; choice: Choice }
  | { name: 'receipt'; receipt: Receipt }
  | { name: 'failed'; code: string };

export type StateName = State['name'];

export type VisitOutcome = 'completed' | 'cancelled' | 'timeout' | 'locked-out' | 'failed';

/** What one visit has gathered so far; it becomes the visit record and the sign record. */
export interface Visit {
  id: string;
  startedAt: number;
  consent: { version: string; accepted: boolean; at: number } | null;
  method: VisitMethod | null;
  /** Failed verification attempts toward the lockout (reset when staff take over a locked-out visit). */
  attempts: number;
  /** Every failed verification attempt of the visit, never reset: what the records and credit count. */
  failedAttempts: number;
  faceScore: number | null;
  livenessScore: number | null;
  witnessStaffId: string | null;
  verifiedAt: number | null;
  expert: ExpertView | null;
  override: { projectId: string; staffId: string; at: number } | null;
  choice: Choice | null;
}

export interface Machine {
  state: State;
  visit: Visit | null;
  /** Monotonic deadline of the current state, or null (idle, sealing). */
  deadline: number | null;
}

export type Input =
  | { type: 'begin'; visitId: string }
  | { type: 'consent'; accepted: boolean; version: string }
  | { type: 'frame'; faces: number; prompt: string | null }
  | { type: 'face-verified'; expert: ExpertView; score: number; liveness: number | null }
  | { type: 'face-rejected'; reason: string }
  | { type: 'retry' }
  | { type: 'witness' }
  | { type: 'witness-verified'; expert: ExpertView; staffId: string }
  | { type: 'witness-failed'; reason: string }
  | { type: 'override'; projectId: string; staffId: string }
  | { type: 'choose-project'; projectId: string }
  | { type: 'choose-action'; action: SignAction; reason: string }
  | { type: 'ink' }
  | { type: 'signature-captured' }
  | { type: 'signature-invalid'; problems: string[] }
  | { type: 'confirm' }
  | { type: 'redo' }
  | { type: 'sealed'; recordId: string }
  | { type: 'seal-failed'; code: string }
  | { type: 'finish' }
  | { type: 'cancel' }
  | { type: 'tick' };

export type InputType = Input['type'];

export type Effect =
  | { type: 'leds'; pattern: LedPattern }
  | { type: 'capture'; on: boolean }
  | { type: 'tablet'; on: boolean }
  /** Stamp and seal (sign, dissent) or just record (refuse), then answer with sealed / seal-failed. */
  | { type: 'finalise'; visit: Visit; choice: Choice }
  | { type: 'audit'; event: string; detail: Record<string, unknown> }
  | { type: 'visit-ended'; visit: Visit; outcome: VisitOutcome; at: number };

/** Why an input was not accepted; the machine is unchanged. */
export interface Refusal {
  code: 'bad-state' | 'not-assigned' | 'already-signed' | 'consent-version' | 'paused' | 'bad-input';
  message: string;
}

export interface StepResult {
  machine: Machine;
  effects: Effect[];
  refusal: Refusal | null;
}
