/**
 * The booth's start, phase by phase, with the time systemd gives each (EXTEND_TIMEOUT_USEC).
 *
 * Budgets are about 3x the slowest time measured for the phase under qemu-user emulating arm64
 * on a loaded machine (`npm run check:arm64`, docs/provisioning.md: models 23 s, visit 89 s,
 * http 8 s, the others under 2 s), which is slower than a Raspberry Pi 4 for this work; the
 * unit's TimeoutStartSec (90 s) covers what comes before the first phase (Node and the booth's
 * modules loading: 14-24 s there).
 */
export const START_PHASES = {
  'data-dir': 30_000,
  models: 75_000,
  hardware: 30_000,
  store: 60_000,
  sync: 30_000,
  visit: 270_000,
  channel: 30_000,
  http: 30_000,
  tuning: 60_000,
} as const satisfies Record<string, number>;

export type StartPhase = keyof typeof START_PHASES;
