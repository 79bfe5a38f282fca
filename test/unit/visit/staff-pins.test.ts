import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import {
  BOOTH_PIN_POLICY,
  guessesPer,
  lockMsAfter,
  remainingMs,
  STAFF_PIN_POLICY,
} from '../../../device/core/staff-pins.js';
import { StaffPinGuard } from '../../../device/visit/pin-guard.js';
import { StaffDesk } from '../../../device/visit/staff.js';
import { checkPin, hashPin } from '../../../protocol/session/hashes.js';
import { isBoothError } from '../../../protocol/errors.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { compileValidator } from '../../../protocol/validate.js';
import { StaffPinFailedPayloadSchema, StaffPinLockedPayloadSchema } from '../../../protocol/records/payloads.js';

/** The staff PIN limit: policy figures, counters on disk across restarts, audit records, the hash off the event loop. */
const DAY = 86_400_000;

async function guard(dir?: string, clock = new ManualClock()) {
  const d = dir ?? (await mkdtemp(join(tmpdir(), 'pins-')));
  const audits: Record<string, unknown>[] = [];
  const g = new StaffPinGuard({
    path: join(d, 'state', 'staff-pins.json'),
    clock,
    audit: async (p) => void audits.push({ boothId: 'booth-u', ...p }),
  });
  await g.start();
  return { g, dir: d, audits, clock };
}

const wrong = async () => false;
const right = async () => true;

async function lockedFor(p: Promise<unknown>): Promise<number | null> {
  try {
    await p;
    return null;
  } catch (err) {
    if (isBoothError(err, 'BOOTH_ERR_PIN_LOCKED')) return err.details.retryAfterS as number;
    throw err;
  }
}

describe('staff PIN policy', () => {
  it('5 failures free per staff id (10 per booth), then 1 min doubling up to 1 h', () => {
    expect([4, 5, 6, 7, 11, 12, 30].map((n) => lockMsAfter(n, STAFF_PIN_POLICY))).toEqual([
      0, 60_000, 120_000, 240_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(lockMsAfter(9, BOOTH_PIN_POLICY)).toBe(0);
    expect(lockMsAfter(10, BOOTH_PIN_POLICY)).toBe(60_000);
  });

  it('guesses a day: 33 against one staff id, 38 against the booth on the first day, 24 a day after (docs/visit.md)', () => {
    expect(guessesPer(DAY, STAFF_PIN_POLICY)).toBe(33);
    expect(guessesPer(DAY, BOOTH_PIN_POLICY)).toBe(38);
    expect(guessesPer(30 * DAY, BOOTH_PIN_POLICY)).toBe(38 + 29 * 24);
  });

  it('a wall clock set back never lengthens a lockout', () => {
    expect(remainingMs({ failures: 5, lockedUntil: 1000 + 60_000, lockMs: 60_000 }, 1000 - DAY)).toBe(60_000);
  });
});

describe('StaffPinGuard', () => {
  it('locks a staff id after 5 failures, refuses even the right PIN, and the lockout grows', async () => {
    const { g, audits, clock } = await guard();
    for (let i = 0; i < 5; i++) expect(await g.check('staff-01', 'override', wrong, 'v1')).toBe(false);
    expect(await lockedFor(g.check('staff-01', 'override', right, 'v1'))).toBe(60);
    // Another id is not locked by this one (the booth allows 10).
    expect(await g.check('staff-02', 'override', right, null)).toBe(true);
    clock.advance(60_000);
    expect(await g.check('staff-01', 'witness', wrong, null)).toBe(false);
    expect(await lockedFor(g.check('staff-01', 'witness', right, null))).toBe(120);
    const failed = audits.filter((a) => a.event === 'staff.pin.failed');
    const locked = audits.filter((a) => a.event === 'staff.pin.locked');
    expect(failed).toHaveLength(6);
    expect(locked.map((a) => [a.scope, a.failures, a.lockMs])).toEqual([
      ['staff', 5, 60_000],
      ['staff', 6, 120_000],
    ]);
    for (const a of failed) compileValidator(StaffPinFailedPayloadSchema).parse(a, 'failed payload');
    for (const a of locked) compileValidator(StaffPinLockedPayloadSchema).parse(a, 'locked payload');
    expect(failed[0]).toMatchObject({ staffId: 'staff-01', route: 'override', visitId: 'v1', failures: 1 });
  });

  it('locks the booth after 10 failures over any ids (unknown ones too)', async () => {
    const { g, audits } = await guard();
    for (let i = 0; i < 10; i++) expect(await g.check(`guess-${i}`, 'session-close', wrong, null)).toBe(false);
    expect(await lockedFor(g.check('staff-01', 'session-close', right, null))).toBe(60);
    expect(audits.filter((a) => a.event === 'staff.pin.locked').map((a) => a.scope)).toEqual(['booth']);
  });

  it('a right PIN ends the run of failures', async () => {
    const { g } = await guard();
    for (let i = 0; i < 4; i++) await g.check('staff-01', 'override', wrong, null);
    expect(await g.check('staff-01', 'override', right, null)).toBe(true);
    expect(g.counter('staff-01').failures).toBe(0);
    expect(g.counter(null).failures).toBe(0);
  });

  it('counters and lockouts survive a restart (a new guard on the same data dir); no temporary file left', async () => {
    const clock = new ManualClock();
    const first = await guard(undefined, clock);
    for (let i = 0; i < 5; i++) await first.g.check('staff-01', 'override', wrong, null);
    const second = await guard(first.dir, clock);
    expect(await lockedFor(second.g.check('staff-01', 'override', right, null))).toBe(60);
    expect(second.g.counter('staff-01')).toMatchObject({ failures: 5, lockMs: 60_000 });
    expect((await readdir(join(first.dir, 'state'))).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('checks run one at a time: parallel guesses get no more than the free ones', async () => {
    const { g } = await guard();
    const slowWrong = () => new Promise<boolean>((r) => setTimeout(() => r(false), 5));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () => g.check('staff-01', 'override', slowWrong, null)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });

  it('a staff id named like an Object property is just an id', async () => {
    const { g } = await guard();
    expect(await g.check('constructor', 'override', wrong, null)).toBe(false);
    expect(g.counter('constructor').failures).toBe(1);
  });
});

describe('PIN hash off the event loop', () => {
  const cred = hashPin('246810');
  const pkg = { staff: [{ id: 'staff-01', ...cred }] } as unknown as SessionPackage;

  it('checkPin runs scrypt on the threadpool: the event loop turns while it hashes', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    // With scryptSync the answer is ready before the loop turns (a resolved promise is a microtask).
    expect(await checkPin('246810', cred)).toBe(true);
    expect(turned).toBe(true);
  });

  it('StaffDesk checks through the guard without blocking the loop, for a known and an unknown id', async () => {
    const { g } = await guard();
    const desk = new StaffDesk(() => pkg, g);
    for (const [id, pin, want] of [
      ['staff-01', '246810', true],
      ['nobody', '246810', false],
    ] as const) {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      try {
        expect(await desk.check(id, pin, 'session-close')).toBe(want);
      } finally {
        clearInterval(timer);
      }
      expect(ticks, id).toBeGreaterThan(0);
    }
  });
});
