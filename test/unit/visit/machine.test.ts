import { describe, expect, it } from 'vitest';
import { initialMachine, step, LEDS } from '../../../device/core/visit/machine.js';
import { kioskView, maskName } from '../../../device/core/visit/view.js';
import { visitRecord } from '../../../device/visit/records.js';
import type {
  Effect,
  ExpertView,
  Input,
  Machine,
  StateName,
  StepResult,
  VisitPolicy,
} from '../../../device/core/visit/types.js';

const policy: VisitPolicy = {
  consentVersion: 'face-consent/2',
  maxAttempts: 3,
  lockoutMs: 120_000,
  timeouts: {
    consent: 60_000,
    capture: 30_000,
    witness: 180_000,
    rejected: 30_000,
    projects: 60_000,
    action: 60_000,
    signing: 90_000,
    confirm: 60_000,
    receipt: 20_000,
    failed: 60_000,
  },
};

const expert: ExpertView = {
  ref: 'r1',
  expertId: 'EXP-1',
  maskedName: '王*国',
  projects: [
    { id: 'P1', name: 'p1', section: 's1', seat: 1, scheduledSignIn: 0, done: false },
    { id: 'P2', name: 'p2', section: 's2', seat: 3, scheduledSignIn: 0, done: true },
  ],
};

/** Drives the machine like the service does: a clock that only moves when told. */
class Driver {
  m: Machine = initialMachine();
  mono = 0;
  wall = 1_800_000_000_000;
  effects: Effect[] = [];
  last: StepResult | null = null;

  send(input: Input): StepResult {
    this.last = step(this.m, input, { wall: this.wall, mono: this.mono }, policy);
    this.m = this.last.machine;
    this.effects.push(...this.last.effects);
    return this.last;
  }
  advance(ms: number): StepResult {
    this.mono += ms;
    this.wall += ms;
    return this.send({ type: 'tick' });
  }
  get state(): StateName {
    return this.m.state.name;
  }
  to(...inputs: Input[]): this {
    for (const i of inputs) {
      const r = this.send(i);
      expect(r.refusal, `${i.type} refused in ${this.state}`).toBeNull();
    }
    return this;
  }
  ended() {
    return this.effects.filter((e) => e.type === 'visit-ended');
  }
}

const begin: Input = { type: 'begin', visitId: 'V1' };
const accept: Input = { type: 'consent', accepted: true, version: policy.consentVersion };
const decline: Input = { type: 'consent', accepted: false, version: policy.consentVersion };
const faceOk: Input = { type: 'face-verified', expert, score: 0.71, liveness: 0.93 };
const rejectFace: Input = { type: 'face-rejected', reason: 'below_threshold' };

function verifiedDriver(): Driver {
  return new Driver().to(begin, accept, faceOk);
}

describe('visit state machine: the happy path', () => {
  it('idle -> consent -> capture -> projects -> action -> signing -> confirm -> sealing -> receipt -> idle', () => {
    const d = new Driver();
    const path: StateName[] = [];
    for (const input of [
      begin,
      accept,
      faceOk,
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
      { type: 'signature-captured' },
      { type: 'confirm' },
      { type: 'sealed', recordId: 'R1' },
      { type: 'finish' },
    ] as Input[]) {
      d.to(input);
      path.push(d.state);
    }
    expect(path).toEqual([
      'consent',
      'capture',
      'projects',
      'action',
      'signing',
      'confirm',
      'sealing',
      'receipt',
      'idle',
    ]);
    const kinds = d.effects
      .filter((e) => e.type !== 'audit')
      .map((e) =>
        e.type === 'leds'
          ? `leds:${e.pattern}`
          : e.type === 'capture' || e.type === 'tablet'
            ? `${e.type}:${e.on}`
            : e.type,
      );
    expect(kinds).toEqual([
      'leds:busy',
      'capture:true',
      'leds:success',
      'leds:busy',
      'tablet:true',
      'tablet:false',
      'finalise',
      'leds:success',
      'leds:idle',
      'visit-ended',
    ]);
    const ended = d.ended()[0];
    expect(ended).toMatchObject({
      outcome: 'completed',
      visit: {
        method: 'face',
        faceScore: 0.71,
        livenessScore: 0.93,
        attempts: 0,
        consent: { version: 'face-consent/2', accepted: true },
      },
    });
    expect(d.m.visit).toBeNull();
    const finalise = d.effects.find((e) => e.type === 'finalise');
    expect(finalise).toMatchObject({
      choice: { projectId: 'P1', action: 'sign', reason: '' },
      visit: { id: 'V1', expert: { expertId: 'EXP-1' } },
    });
  });

  it('records every state change as an audit step with the input that caused it', () => {
    const d = verifiedDriver();
    const steps = d.effects
      .filter((e) => e.type === 'audit' && e.event === 'visit.step')
      .map((e) =>
        e.type === 'audit' ? `${String(e.detail.from)}>${String(e.detail.to)}:${String(e.detail.input)}` : '',
      );
    expect(steps).toEqual(['idle>consent:begin', 'consent>capture:consent', 'capture>projects:face-verified']);
    expect(
      d.effects.some((e) => e.type === 'audit' && e.event === 'visit.verified' && e.detail.method === 'face'),
    ).toBe(true);
  });

  it('a dissent needs a reason and is carried to finalise; a refusal skips the tablet', () => {
    const d = verifiedDriver().to({ type: 'choose-project', projectId: 'P1' });
    expect(d.send({ type: 'choose-action', action: 'dissent', reason: '  ' }).refusal?.code).toBe('bad-input');
    expect(d.state).toBe('action');
    d.to({ type: 'choose-action', action: 'dissent', reason: ' 价格评分有误 ' });
    expect(d.m.state).toMatchObject({ name: 'signing', choice: { action: 'dissent', reason: '价格评分有误' } });

    const r = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
    );
    expect(r.state).toBe('confirm');
    expect(r.effects.some((e) => e.type === 'tablet')).toBe(false);
    r.to({ type: 'confirm' });
    expect(r.effects.find((e) => e.type === 'finalise')).toMatchObject({ choice: { action: 'refuse', reason: '' } });
  });
});

describe('verification: retries, lockout, second face, alternative path', () => {
  it('counts rejections; retry returns to capture; the limit locks out until the lockout ends', () => {
    const d = new Driver().to(begin, accept, rejectFace);
    expect(d.m.state).toEqual({ name: 'rejected', reason: 'below_threshold' });
    expect(d.m.visit?.attempts).toBe(1);
    expect(d.last?.effects).toContainEqual({ type: 'capture', on: false });
    expect(d.last?.effects).toContainEqual({ type: 'leds', pattern: 'failure' });
    d.to({ type: 'retry' });
    expect(d.state).toBe('capture');
    d.to(rejectFace, { type: 'retry' }, rejectFace);
    expect(d.state).toBe('locked');
    expect(kioskView(d.m, { wall: d.wall, mono: d.mono }, policy).attemptsLeft).toBe(0);
    expect(d.send({ type: 'retry' }).refusal?.code).toBe('bad-state');
    expect(d.send(begin).refusal?.code).toBe('bad-state');
    d.advance(policy.lockoutMs - 1);
    expect(d.state).toBe('locked');
    d.advance(1);
    expect(d.state).toBe('idle');
    expect(d.ended()).toMatchObject([{ outcome: 'locked-out', visit: { attempts: 3, method: null } }]);
  });

  it('staff may verify a locked-out expert by the witnessed path', () => {
    const d = new Driver().to(begin, accept, rejectFace, { type: 'retry' }, rejectFace, { type: 'retry' }, rejectFace);
    expect(d.state).toBe('locked');
    d.to({ type: 'witness' }, { type: 'witness-failed', reason: 'staff-pin' });
    expect(d.state).toBe('witness'); // the witnessed path has attempts of its own
    d.to({ type: 'witness-verified', expert, staffId: 'S1' });
    expect(d.state).toBe('projects');
    expect(d.m.visit).toMatchObject({ method: 'staff-witness', witnessStaffId: 'S1' });
    // The three face rejections before the lockout still count (credit: failed attempts); the
    // handover to staff used to reset them, so the visit record said 1.
    d.to({ type: 'finish' });
    expect(d.ended()).toMatchObject([{ outcome: 'completed', visit: { failedAttempts: 4 } }]);
    const v = d.ended()[0]!.visit;
    expect(visitRecord(v, 'completed', d.wall, { packageId: 'P', boothId: 'B', signId: null }).attempts).toBe(4);
  });

  it('a second face pauses capture: no verification until one face remains', () => {
    const d = new Driver().to(begin, accept, { type: 'frame', faces: 2, prompt: 'several_faces' });
    expect(d.m.state).toEqual({ name: 'capture', paused: true, prompt: 'several_faces' });
    const r = d.send(faceOk);
    expect(r.refusal?.code).toBe('paused');
    expect(d.state).toBe('capture');
    d.to({ type: 'frame', faces: 1, prompt: null }, faceOk);
    expect(d.state).toBe('projects');
  });

  it('frames update the prompt without restarting the capture timeout', () => {
    const d = new Driver().to(begin, accept);
    const deadline = d.m.deadline;
    d.mono += 10_000;
    d.to({ type: 'frame', faces: 1, prompt: 'face_too_small' });
    expect(d.m.deadline).toBe(deadline);
    expect(kioskView(d.m, { wall: d.wall, mono: d.mono }, policy)).toMatchObject({
      prompt: 'face_too_small',
      remainingMs: 20_000,
    });
    expect(d.last?.effects).toEqual([]);
  });

  it('declining consent leads to the witnessed path, recorded with the consent version', () => {
    const d = new Driver().to(begin, decline);
    expect(d.state).toBe('witness');
    expect(d.effects.some((e) => e.type === 'capture')).toBe(false);
    d.to({ type: 'witness-failed', reason: 'id-number' });
    expect(d.state).toBe('witness');
    expect(d.m.visit?.attempts).toBe(1);
    d.to({ type: 'witness-verified', expert, staffId: 'S1' });
    expect(d.m.visit).toMatchObject({
      method: 'staff-witness',
      consent: { version: 'face-consent/2', accepted: false },
    });
  });

  it('failed witnessed checks also lock out at the limit', () => {
    const d = new Driver().to(begin, decline);
    for (let i = 0; i < policy.maxAttempts; i++) d.to({ type: 'witness-failed', reason: 'staff-pin' });
    expect(d.state).toBe('locked');
  });

  it('refuses a consent for another version (a stale page) and changes nothing', () => {
    const d = new Driver().to(begin);
    const before = d.m;
    const r = d.send({ type: 'consent', accepted: true, version: 'face-consent/1' });
    expect(r.refusal?.code).toBe('consent-version');
    expect(d.m).toBe(before);
  });

  it('the expert or staff may switch to the witnessed path from consent, capture or rejected', () => {
    expect(new Driver().to(begin, { type: 'witness' }).state).toBe('witness');
    const c = new Driver().to(begin, accept, { type: 'witness' });
    expect(c.state).toBe('witness');
    expect(c.last?.effects).toContainEqual({ type: 'capture', on: false });
    expect(new Driver().to(begin, accept, rejectFace, { type: 'witness' }).state).toBe('witness');
  });
});

describe('projects: one signature per project', () => {
  it('refuses a project not assigned to this expert, and one already signed, leaving the machine unchanged', () => {
    const d = verifiedDriver();
    const before = d.m;
    expect(d.send({ type: 'choose-project', projectId: 'P9' }).refusal?.code).toBe('not-assigned');
    expect(d.send({ type: 'choose-project', projectId: 'P2' }).refusal?.code).toBe('already-signed');
    expect(d.m).toBe(before);
    expect(d.effects.filter((e) => e.type === 'audit' && e.event === 'visit.refused')).toHaveLength(2);
  });

  it('a staff override, recorded, lets the expert sign an already signed project again', () => {
    const d = verifiedDriver();
    expect(d.send({ type: 'override', projectId: 'P9', staffId: 'S1' }).refusal?.code).toBe('not-assigned');
    d.to({ type: 'override', projectId: 'P2', staffId: 'S1' });
    expect(d.effects).toContainEqual({
      type: 'audit',
      event: 'visit.override',
      detail: { visitId: 'V1', projectId: 'P2', staffId: 'S1', at: d.wall },
    });
    expect(
      kioskView(d.m, { wall: d.wall, mono: d.mono }, policy).expert?.projects.find((p) => p.id === 'P2')?.done,
    ).toBe(false);
    d.to(
      { type: 'choose-project', projectId: 'P2' },
      { type: 'choose-action', action: 'sign', reason: '' },
      { type: 'signature-captured' },
      { type: 'confirm' },
    );
    expect(d.effects.find((e) => e.type === 'finalise')).toMatchObject({
      visit: { override: { projectId: 'P2', staffId: 'S1' } },
    });
  });
});

describe('signing and confirming', () => {
  it('an invalid signature stays on the tablet with the problems; ink keeps the screen alive', () => {
    const d = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
    );
    d.to({ type: 'signature-invalid', problems: ['too_short'] });
    expect(d.m.state).toMatchObject({ name: 'signing', problems: ['too_short'] });
    d.advance(policy.timeouts.signing - 1);
    d.to({ type: 'ink' });
    d.advance(policy.timeouts.signing - 1);
    expect(d.state).toBe('signing');
    d.advance(1);
    expect(d.state).toBe('idle');
    expect(d.last?.effects).toContainEqual({ type: 'tablet', on: false });
    expect(d.ended()[0]?.outcome).toBe('timeout');
  });

  it('redo goes back one step: confirm -> signing, signing -> action, action -> projects', () => {
    const d = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
      { type: 'signature-captured' },
    );
    d.to({ type: 'redo' });
    expect(d.state).toBe('signing');
    expect(d.last?.effects).toContainEqual({ type: 'tablet', on: true });
    d.to({ type: 'redo' });
    expect(d.state).toBe('action');
    d.to({ type: 'redo' });
    expect(d.state).toBe('projects');
    const r = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
      { type: 'redo' },
    );
    expect(r.state).toBe('action');
  });

  it('a sealing failure shows the fault and ends the visit as failed', () => {
    const d = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
      { type: 'signature-captured' },
      { type: 'confirm' },
    );
    expect(d.send({ type: 'cancel' }).refusal?.code).toBe('bad-state');
    expect(d.advance(10 * 60_000).machine.state.name).toBe('sealing'); // sealing has no timeout
    d.to({ type: 'seal-failed', code: 'BOOTH_ERR_INTERNAL' });
    expect(d.m.state).toEqual({ name: 'failed', code: 'BOOTH_ERR_INTERNAL' });
    expect(d.last?.effects).toContainEqual({ type: 'leds', pattern: 'fault' });
    d.to({ type: 'finish' });
    expect(d.ended()[0]?.outcome).toBe('failed');
  });
});

describe('timeouts and cancel', () => {
  const reach: Record<string, Input[]> = {
    consent: [begin],
    capture: [begin, accept],
    witness: [begin, decline],
    rejected: [begin, accept, rejectFace],
    projects: [begin, accept, faceOk],
    action: [begin, accept, faceOk, { type: 'choose-project', projectId: 'P1' }],
    signing: [
      begin,
      accept,
      faceOk,
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
    ],
    confirm: [
      begin,
      accept,
      faceOk,
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
    ],
    receipt: [
      begin,
      accept,
      faceOk,
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
      { type: 'confirm' },
      { type: 'sealed', recordId: 'R' },
    ],
    failed: [
      begin,
      accept,
      faceOk,
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
      { type: 'confirm' },
      { type: 'seal-failed', code: 'X' },
    ],
  };

  for (const [state, inputs] of Object.entries(reach)) {
    it(`${state} times out to idle after its own timeout, ending the visit`, () => {
      const d = new Driver().to(...inputs);
      expect(d.state).toBe(state);
      const ms = policy.timeouts[state as keyof VisitPolicy['timeouts']];
      d.advance(ms - 1);
      expect(d.state).toBe(state);
      d.advance(1);
      expect(d.state).toBe('idle');
      const expected = state === 'receipt' ? 'completed' : state === 'failed' ? 'failed' : 'timeout';
      expect(d.ended().map((e) => (e.type === 'visit-ended' ? e.outcome : ''))).toEqual([expected]);
      expect(d.last?.effects[0]).toEqual({ type: 'leds', pattern: 'idle' });
    });

    if (state !== 'receipt' && state !== 'failed')
      it(`cancel from ${state} ends the visit at once`, () => {
        const d = new Driver().to(...inputs, { type: 'cancel' });
        expect(d.state).toBe('idle');
        expect(d.ended().map((e) => (e.type === 'visit-ended' ? e.outcome : ''))).toEqual(['cancelled']);
        if (state === 'capture') expect(d.last?.effects).toContainEqual({ type: 'capture', on: false });
        if (state === 'signing') expect(d.last?.effects).toContainEqual({ type: 'tablet', on: false });
      });
  }

  it('cancel while locked ends as locked-out; cancel in idle is refused', () => {
    const d = new Driver().to(begin, accept, rejectFace, { type: 'retry' }, rejectFace, { type: 'retry' }, rejectFace, {
      type: 'cancel',
    });
    expect(d.ended()[0]?.outcome).toBe('locked-out');
    expect(d.send({ type: 'cancel' }).refusal?.code).toBe('bad-state');
  });

  it('tick before a deadline, or in idle, changes nothing', () => {
    const d = new Driver();
    expect(d.advance(1_000_000).machine).toEqual(initialMachine());
    d.to(begin);
    const m = d.m;
    expect(d.advance(1000).machine).toBe(m);
  });
});

describe('refused inputs and the kiosk view', () => {
  it('every input a state does not take is refused as bad-state with nothing changed', () => {
    const all: Input[] = [
      begin,
      accept,
      { type: 'frame', faces: 1, prompt: null },
      faceOk,
      rejectFace,
      { type: 'retry' },
      { type: 'witness-verified', expert, staffId: 'S' },
      { type: 'witness-failed', reason: 'x' },
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'sign', reason: '' },
      { type: 'ink' },
      { type: 'signature-captured' },
      { type: 'signature-invalid', problems: [] },
      { type: 'confirm' },
      { type: 'redo' },
      { type: 'sealed', recordId: 'R' },
      { type: 'seal-failed', code: 'X' },
      { type: 'finish' },
    ];
    const idle = new Driver();
    for (const input of all.filter((i) => i !== begin)) {
      const r = idle.send(input);
      expect(r.refusal?.code, input.type).toBe('bad-state');
      expect(r.machine).toEqual(initialMachine());
    }
    const sealing = verifiedDriver().to(
      { type: 'choose-project', projectId: 'P1' },
      { type: 'choose-action', action: 'refuse', reason: '' },
      { type: 'confirm' },
    );
    const m = sealing.m;
    for (const input of all.filter((i) => i.type !== 'sealed' && i.type !== 'seal-failed'))
      expect(sealing.send(input).refusal?.code, input.type).toBe('bad-state');
    expect(sealing.m).toBe(m);
  });

  it('the view holds the masked name and own projects only, never the expert id or roster ref', () => {
    const d = verifiedDriver();
    const view = kioskView(d.m, { wall: d.wall, mono: d.mono }, policy);
    expect(view).toMatchObject({ screen: 'projects', method: 'face', expert: { maskedName: '王*国' } });
    const text = JSON.stringify(view);
    expect(text).not.toContain('EXP-1');
    expect(text).not.toContain('"r1"');
  });

  it('masks names keeping the first and last character', () => {
    expect(maskName('王建国')).toBe('王*国');
    expect(maskName('欧阳建国')).toBe('欧**国');
    expect(maskName('张伟')).toBe('张*');
    expect(maskName('A')).toBe('*');
  });

  it('every state has an LED pattern', () => {
    expect(Object.keys(LEDS).sort()).toEqual([
      'action',
      'capture',
      'confirm',
      'consent',
      'failed',
      'idle',
      'locked',
      'projects',
      'receipt',
      'rejected',
      'sealing',
      'signing',
      'witness',
    ]);
  });
});
