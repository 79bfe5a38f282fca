import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../device/hardware/system-clock.js';
import { BOOTH_PIN_POLICY, guessesPer, STAFF_PIN_POLICY } from '../device/core/staff-pins.js';
import { StaffPinGuard } from '../device/visit/pin-guard.js';
import { StaffDesk } from '../device/visit/staff.js';
import { checkPin, hashPin } from '../protocol/session/hashes.js';
import type { SessionPackage } from '../protocol/session/schema.js';

/**
 * What an attacker at the kiosk gets against the staff PINs (issue 15): guesses a day allowed by
 * the policy (computed, docs/visit.md), and measured here: the cost of one PIN hash, the rate of
 * wrong guesses before the lockout (hash + counters written to disk, audit records to a no-op
 * sink: the journal adds its fsync), and the longest event-loop stall while checks run.
 * Prints one JSON object. Usage: npm run bench:staff-pins [-- rounds]
 */
const rounds = Number(process.argv[2] ?? 5);
const DAY = 86_400_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const cred = hashPin('246810');
  const pkg = { staff: [{ id: 'staff-01', ...cred }] } as unknown as SessionPackage;
  const hashMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await checkPin('000000', cred);
    hashMs.push(performance.now() - t);
  }
  const rates: number[] = [];
  const stalls: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-pins-'));
    const guard = new StaffPinGuard({ path: join(dir, 'staff-pins.json'), clock: systemClock, audit: async () => {} });
    await guard.start();
    const desk = new StaffDesk(() => pkg, guard);
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 1);
    const t = performance.now();
    let guesses = 0;
    try {
      for (;;) {
        await desk.check('staff-01', '000000', 'override');
        guesses++;
      }
    } catch {
      // the lockout
    }
    rates.push(guesses / ((performance.now() - t) / 1000));
    clearInterval(timer);
    stalls.push(worst);
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      policy: { staff: STAFF_PIN_POLICY, booth: BOOTH_PIN_POLICY },
      guessesPerDay: {
        staffIdFirstDay: guessesPer(DAY, STAFF_PIN_POLICY),
        boothFirstDay: guessesPer(DAY, BOOTH_PIN_POLICY),
        boothPerDayAfter: (guessesPer(31 * DAY, BOOTH_PIN_POLICY) - guessesPer(DAY, BOOTH_PIN_POLICY)) / 30,
      },
      daysToTryAll: {
        pin4: Math.ceil(1e4 / 24),
        pin6: Math.ceil(1e6 / 24),
      },
      hashMsMedian: Number(median(hashMs).toFixed(1)),
      guessesPerSecondBeforeLockout: Number(median(rates).toFixed(1)),
      freeGuessesBeforeLockout: STAFF_PIN_POLICY.freeFailures,
      longestEventLoopStallMs: Number(median(stalls).toFixed(1)),
    }),
  );
}

await main();
