import type {
  Choice,
  Effect,
  ExpertView,
  Input,
  LedPattern,
  Machine,
  Now,
  Refusal,
  State,
  StateName,
  StepResult,
  Visit,
  VisitOutcome,
  VisitPolicy,
} from './types.js';

/**
 * The visit state machine (pure): step(machine, input, now, policy) -> machine + effects.
 *
 * idle -> consent -> capture (face) | witness (declined consent, or staff asked for)
 *      -> rejected (retry) | locked (too many attempts; staff may witness)
 *      -> projects -> action -> signing -> confirm -> sealing -> receipt -> idle
 * A refusal skips signing: action -> confirm -> sealing. Every state but idle and sealing has a
 * timeout (tick), cancel works everywhere a visit is open, and an input the state does not take
 * is refused with the machine unchanged. One verification per project: a visit ends at its
 * receipt, so the next project needs a new verification.
 */

export function initialMachine(): Machine {
  return { state: { name: 'idle' }, visit: null, deadline: null };
}

export const LEDS: Readonly<Record<StateName, LedPattern>> = {
  idle: 'idle',
  consent: 'busy',
  capture: 'busy',
  witness: 'busy',
  rejected: 'failure',
  locked: 'failure',
  projects: 'success',
  action: 'busy',
  signing: 'busy',
  confirm: 'busy',
  sealing: 'busy',
  receipt: 'success',
  failed: 'fault',
};

/** What a timeout in each state means for the visit (sealing and idle have none). */
const TIMEOUT_OUTCOME: Partial<Record<StateName, VisitOutcome>> = {
  consent: 'timeout',
  capture: 'timeout',
  witness: 'timeout',
  rejected: 'timeout',
  locked: 'locked-out',
  projects: 'timeout',
  action: 'timeout',
  signing: 'timeout',
  confirm: 'timeout',
  receipt: 'completed',
  failed: 'failed',
};

function deadlineFor(state: State, now: Now, policy: VisitPolicy): number | null {
  switch (state.name) {
    case 'idle':
    case 'sealing':
      return null;
    case 'locked':
      return now.mono + policy.lockoutMs;
    case 'consent':
    case 'capture':
    case 'witness':
    case 'rejected':
    case 'projects':
    case 'action':
    case 'signing':
    case 'confirm':
    case 'receipt':
    case 'failed':
      return now.mono + policy.timeouts[state.name];
  }
}

function newVisit(id: string, now: Now): Visit {
  return {
    id,
    startedAt: now.wall,
    consent: null,
    method: null,
    attempts: 0,
    failedAttempts: 0,
    faceScore: null,
    livenessScore: null,
    witnessStaffId: null,
    verifiedAt: null,
    expert: null,
    override: null,
    choice: null,
  };
}

const unchanged = (m: Machine): StepResult => ({ machine: m, effects: [], refusal: null });

class Step {
  constructor(
    readonly m: Machine,
    readonly input: Input,
    readonly now: Now,
    readonly policy: VisitPolicy,
  ) {}

  get visit(): Visit {
    return this.m.visit as Visit; // every state but idle has a visit
  }

  refuse(code: Refusal['code'], message: string): StepResult {
    const effects: Effect[] = this.m.visit
      ? [{ type: 'audit', event: 'visit.refused', detail: { visitId: this.m.visit.id, code, message } }]
      : [];
    return { machine: this.m, effects, refusal: { code, message } };
  }

  /** Moves to `state` with the visit updated by `patch`; the state's timer restarts. */
  go(state: State, patch: Partial<Visit> = {}, extra: Effect[] = []): StepResult {
    const visit = this.m.visit ? { ...this.m.visit, ...patch } : null;
    const from = this.m.state.name;
    const effects: Effect[] = [];
    if (LEDS[state.name] !== LEDS[from]) effects.push({ type: 'leds', pattern: LEDS[state.name] });
    effects.push(...extra);
    if (visit && state.name !== from)
      effects.push({
        type: 'audit',
        event: 'visit.step',
        detail: { visitId: visit.id, from, to: state.name, input: this.input.type },
      });
    return { machine: { state, visit, deadline: deadlineFor(state, this.now, this.policy) }, effects, refusal: null };
  }

  /** Ends the visit: devices off, the outcome recorded, back to idle. */
  end(outcome: VisitOutcome): StepResult {
    const off: Effect[] = [];
    if (this.m.state.name === 'capture') off.push({ type: 'capture', on: false });
    if (this.m.state.name === 'signing') off.push({ type: 'tablet', on: false });
    off.push({ type: 'visit-ended', visit: this.visit, outcome, at: this.now.wall });
    const r = this.go({ name: 'idle' }, {}, off);
    return { ...r, machine: { ...r.machine, visit: null } };
  }

  verified(expert: ExpertView, patch: Partial<Visit>): StepResult {
    return this.go({ name: 'projects' }, { expert, verifiedAt: this.now.wall, ...patch }, [
      {
        type: 'audit',
        event: 'visit.verified',
        detail: { visitId: this.visit.id, expertId: expert.expertId, method: patch.method },
      },
    ]);
  }

  failedAttempt(reason: string, witness: boolean): StepResult {
    const attempts = this.visit.attempts + 1;
    const counts = { attempts, failedAttempts: this.visit.failedAttempts + 1 };
    const off: Effect[] = witness ? [] : [{ type: 'capture', on: false }];
    if (attempts >= this.policy.maxAttempts) return this.go({ name: 'locked' }, counts, off);
    if (witness) return this.go({ name: 'witness' }, counts);
    return this.go({ name: 'rejected', reason }, counts, off);
  }

  chooseProject(projectId: string): StepResult {
    const project = this.visit.expert?.projects.find((p) => p.id === projectId);
    if (!project) return this.refuse('not-assigned', `project ${projectId} is not assigned to this expert`);
    if (project.done && this.visit.override?.projectId !== projectId)
      return this.refuse('already-signed', `project ${projectId} is already signed by this expert`);
    return this.go({ name: 'action', projectId });
  }

  override(projectId: string, staffId: string): StepResult {
    const project = this.visit.expert?.projects.find((p) => p.id === projectId);
    if (!project) return this.refuse('not-assigned', `project ${projectId} is not assigned to this expert`);
    const override = { projectId, staffId, at: this.now.wall };
    const r = this.go({ name: 'projects' }, { override }, [
      { type: 'audit', event: 'visit.override', detail: { visitId: this.visit.id, ...override } },
    ]);
    return r;
  }

  chooseAction(projectId: string, action: Choice['action'], reason: string): StepResult {
    const text = reason.trim();
    if (action === 'dissent' && text.length === 0) return this.refuse('bad-input', 'a dissent needs its reason');
    const choice: Choice = { projectId, action, reason: text };
    if (action === 'refuse') return this.go({ name: 'confirm', choice }, { choice });
    return this.go({ name: 'signing', choice, problems: [] }, { choice }, [{ type: 'tablet', on: true }]);
  }
}

/** Inputs each state takes besides tick and cancel; anything else is refused as bad-state. */
function transition(s: Step): StepResult | null {
  const { m, input, now, policy } = s;
  const st = m.state;
  switch (st.name) {
    case 'idle':
      if (input.type !== 'begin') return null;
      return new Step({ ...m, visit: newVisit(input.visitId, now) }, input, now, policy).go({ name: 'consent' }, {}, [
        { type: 'audit', event: 'visit.started', detail: { visitId: input.visitId } },
      ]);
    case 'consent':
      if (input.type === 'witness') return s.go({ name: 'witness' });
      if (input.type !== 'consent') return null;
      if (input.version !== policy.consentVersion)
        return s.refuse('consent-version', `consent ${input.version} is not the current ${policy.consentVersion}`);
      if (!input.accepted)
        return s.go({ name: 'witness' }, { consent: { version: input.version, accepted: false, at: now.wall } });
      return s.go(
        { name: 'capture', paused: false, prompt: null },
        { consent: { version: input.version, accepted: true, at: now.wall } },
        [{ type: 'capture', on: true }],
      );
    case 'capture':
      if (input.type === 'frame') {
        // Prompts only: a frame neither restarts the timeout nor makes a record.
        return unchanged({ ...m, state: { ...st, paused: input.faces > 1, prompt: input.prompt } });
      }
      if (input.type === 'face-verified') {
        if (st.paused) return s.refuse('paused', 'another face is in the frame');
        return s.verified(input.expert, { method: 'face', faceScore: input.score, livenessScore: input.liveness });
      }
      if (input.type === 'face-rejected') return s.failedAttempt(input.reason, false);
      if (input.type === 'witness') return s.go({ name: 'witness' }, {}, [{ type: 'capture', on: false }]);
      return null;
    case 'rejected':
      if (input.type === 'retry')
        return s.go({ name: 'capture', paused: false, prompt: null }, {}, [{ type: 'capture', on: true }]);
      if (input.type === 'witness') return s.go({ name: 'witness' });
      return null;
    case 'locked':
      // Staff at the booth may verify the expert by the witnessed path, with attempts of its own;
      // the failed ones before stay counted in failedAttempts.
      if (input.type === 'witness') return s.go({ name: 'witness' }, { attempts: 0 });
      return null;
    case 'witness':
      if (input.type === 'witness-verified')
        return s.verified(input.expert, { method: 'staff-witness', witnessStaffId: input.staffId });
      if (input.type === 'witness-failed') return s.failedAttempt(input.reason, true);
      return null;
    case 'projects':
      if (input.type === 'choose-project') return s.chooseProject(input.projectId);
      if (input.type === 'override') return s.override(input.projectId, input.staffId);
      if (input.type === 'finish') return s.end('completed');
      return null;
    case 'action':
      if (input.type === 'choose-action') return s.chooseAction(st.projectId, input.action, input.reason);
      if (input.type === 'redo') return s.go({ name: 'projects' });
      return null;
    case 'signing':
      if (input.type === 'ink') return unchanged({ ...m, deadline: deadlineFor(st, now, policy) });
      if (input.type === 'signature-captured')
        return s.go({ name: 'confirm', choice: st.choice }, {}, [{ type: 'tablet', on: false }]);
      if (input.type === 'signature-invalid') return unchanged({ ...m, state: { ...st, problems: input.problems } });
      if (input.type === 'redo')
        return s.go({ name: 'action', projectId: st.choice.projectId }, {}, [{ type: 'tablet', on: false }]);
      return null;
    case 'confirm':
      if (input.type === 'confirm')
        return s.go({ name: 'sealing', choice: st.choice }, {}, [
          { type: 'finalise', visit: s.visit, choice: st.choice },
        ]);
      if (input.type !== 'redo') return null;
      if (st.choice.action === 'refuse') return s.go({ name: 'action', projectId: st.choice.projectId });
      return s.go({ name: 'signing', choice: st.choice, problems: [] }, {}, [{ type: 'tablet', on: true }]);
    case 'sealing':
      if (input.type === 'sealed') {
        const { projectId, action } = st.choice;
        return s.go({ name: 'receipt', receipt: { projectId, action, recordId: input.recordId, at: now.wall } });
      }
      if (input.type === 'seal-failed') return s.go({ name: 'failed', code: input.code });
      return null;
    case 'receipt':
      return input.type === 'finish' ? s.end('completed') : null;
    case 'failed':
      return input.type === 'finish' ? s.end('failed') : null;
  }
}

export function step(m: Machine, input: Input, now: Now, policy: VisitPolicy): StepResult {
  const s = new Step(m, input, now, policy);
  const name = m.state.name;
  if (input.type === 'tick') {
    const outcome = TIMEOUT_OUTCOME[name];
    if (m.deadline === null || now.mono < m.deadline || !outcome) return unchanged(m);
    return s.end(outcome);
  }
  if (input.type === 'cancel') {
    if (name === 'idle') return s.refuse('bad-state', 'no visit to cancel');
    if (name === 'sealing') return s.refuse('bad-state', 'the documents are being sealed; wait for the receipt');
    return s.end(name === 'locked' ? 'locked-out' : 'cancelled');
  }
  return transition(s) ?? s.refuse('bad-state', `${input.type} is not possible while ${name}`);
}
