import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import type { Clock } from '../core/ports.js';
import {
  afterFailure,
  BOOTH_PIN_POLICY,
  FRESH,
  remainingMs,
  STAFF_PIN_POLICY,
  type PinCounter,
  type PinPolicy,
} from '../core/staff-pins.js';
import { Mutex } from '../session/mutex.js';
import { openStateFile, type StateFile } from '../store/state-file.js';

/**
 * The staff PIN limit at the booth (docs/visit.md, "Staff PINs"): counters per staff id and
 * for the booth in `<dataDir>/state/staff-pins.json` (written atomically, so a restart or a
 * power cut forgets nothing), every failure and every lockout an audit record in the journal.
 * Checks run one at a time, and each is counted as a failure on disk *before* the hash runs:
 * parallel requests or a crash during the check cannot buy extra guesses.
 */
export type PinRoute = 'session-close' | 'override' | 'witness';

const Counter = Type.Object({
  failures: Type.Integer({ minimum: 0 }),
  lockedUntil: Type.Number(),
  lockMs: Type.Number({ minimum: 0 }),
  at: Type.Number(),
});
const PinStateSchema = Type.Object({
  version: Type.Literal(1),
  booth: Counter,
  staff: Type.Record(Type.String(), Counter),
});
type Stored = PinCounter & { at: number };

/** Staff ids kept (typed ids need not exist): beyond it the oldest unlocked counters go. */
const MAX_IDS = 1000;

export interface PinGuardDeps {
  path: string;
  clock: Clock;
  /** Commits one audit record (the journal); its failure fails the check. */
  audit: (payload: Record<string, unknown>) => Promise<void>;
  staffPolicy?: PinPolicy;
  boothPolicy?: PinPolicy;
}

export class StaffPinGuard {
  private file: StateFile<typeof PinStateSchema> | null = null;
  private readonly mutex = new Mutex();
  private readonly staffPolicy: PinPolicy;
  private readonly boothPolicy: PinPolicy;

  constructor(private readonly deps: PinGuardDeps) {
    this.staffPolicy = deps.staffPolicy ?? STAFF_PIN_POLICY;
    this.boothPolicy = deps.boothPolicy ?? BOOTH_PIN_POLICY;
  }

  /** Reads the counters; returns the state file's problem (damaged, recovered) or null. */
  async start(): Promise<string | null> {
    this.file = await openStateFile(this.deps.path, PinStateSchema, () => ({
      version: 1 as const,
      booth: { ...FRESH, at: 0 },
      staff: {},
    }));
    return this.file.adapter.problem;
  }

  /**
   * Runs `verify` (the PIN hash) unless staff id or booth is locked out: then 429
   * BOOTH_ERR_PIN_LOCKED with `retryAfterS`, and nothing is checked. Returns verify's answer.
   */
  check(staffId: string, route: PinRoute, verify: () => Promise<boolean>, visitId: string | null): Promise<boolean> {
    return this.mutex.run(async () => {
      const db = this.need().db;
      const now = this.deps.clock.now();
      const staff = own(db.data.staff, staffId) ?? { ...FRESH, at: now };
      const wait = Math.max(remainingMs(staff, now), remainingMs(db.data.booth, now));
      if (wait > 0) {
        const retryAfterS = Math.ceil(wait / 1000);
        throw new BoothError('BOOTH_ERR_PIN_LOCKED', `too many wrong PINs: try again in ${retryAfterS} s`, {
          retryAfterS,
        });
      }
      // Counted as a failure before the hash runs; a success takes it back.
      const s = afterFailure(staff, this.staffPolicy, now);
      const b = afterFailure(db.data.booth, this.boothPolicy, now);
      db.data.staff[staffId] = { ...s.counter, at: now };
      db.data.booth = { ...b.counter, at: now };
      this.trim(staffId);
      await db.write();
      if (await verify()) {
        // A right PIN ends the run of failures, of this id and of the booth.
        delete db.data.staff[staffId];
        db.data.booth = { ...FRESH, at: now };
        await db.write();
        return true;
      }
      const at = new Date(now).toISOString();
      const common = { staffId, route, visitId, at };
      await this.deps.audit({
        event: 'staff.pin.failed',
        ...common,
        failures: s.counter.failures,
        boothFailures: b.counter.failures,
      });
      for (const [scope, r] of [
        ['staff', s],
        ['booth', b],
      ] as const) {
        if (!r.locked) continue;
        await this.deps.audit({
          event: 'staff.pin.locked',
          ...common,
          scope,
          failures: r.counter.failures,
          lockMs: r.counter.lockMs,
          until: new Date(r.counter.lockedUntil).toISOString(),
        });
      }
      return false;
    });
  }

  /** The counter of one staff id (tests, doctor). */
  counter(staffId: string | null): PinCounter {
    const db = this.need().db;
    const c = staffId === null ? db.data.booth : own(db.data.staff, staffId);
    return c ? { failures: c.failures, lockedUntil: c.lockedUntil, lockMs: c.lockMs } : FRESH;
  }

  private trim(keep: string): void {
    const staff = this.need().db.data.staff;
    const ids = Object.keys(staff);
    if (ids.length <= MAX_IDS) return;
    const now = this.deps.clock.now();
    const old = ids
      .filter((id) => id !== keep && remainingMs(staff[id] as Stored, now) === 0)
      .sort((a, b) => (staff[a] as Stored).at - (staff[b] as Stored).at);
    for (const id of old.slice(0, ids.length - MAX_IDS)) delete staff[id];
  }

  private need(): StateFile<typeof PinStateSchema> {
    if (!this.file) throw new BoothError('BOOTH_ERR_NOT_READY', 'the staff PIN guard is not started');
    return this.file;
  }
}

/** A typed id is any string the schema allows ("constructor" too): only own entries count. */
function own(m: Record<string, Stored>, id: string): Stored | undefined {
  return Object.hasOwn(m, id) ? m[id] : undefined;
}
