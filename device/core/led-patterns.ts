import type { LedColor, LedPatternName } from './ports.js';

/** What one LED does within a pattern. */
export type LedAction = 'on' | 'off' | 'blink';

/**
 * The booth's status lights. Green = go, amber = wait or degraded, red = stop.
 * Blinking draws the eye: used where someone must act (failure, fault).
 */
export const LED_PATTERNS: Readonly<Record<LedPatternName, Readonly<Record<LedColor, LedAction>>>> = {
  off: { red: 'off', green: 'off', amber: 'off' },
  idle: { red: 'off', green: 'on', amber: 'off' },
  busy: { red: 'off', green: 'off', amber: 'blink' },
  success: { red: 'off', green: 'blink', amber: 'off' },
  failure: { red: 'blink', green: 'off', amber: 'off' },
  offline: { red: 'off', green: 'on', amber: 'on' },
  fault: { red: 'on', green: 'off', amber: 'blink' },
};

export const LED_PATTERN_NAMES = Object.keys(LED_PATTERNS) as LedPatternName[];

/** LED states at a blink phase (true = the "on" half of a blink). Pure, for drivers and tests. */
export function ledStates(pattern: LedPatternName, blinkPhaseOn: boolean): Record<LedColor, boolean> {
  const p = LED_PATTERNS[pattern];
  const state = (a: LedAction) => a === 'on' || (a === 'blink' && blinkPhaseOn);
  return { red: state(p.red), green: state(p.green), amber: state(p.amber) };
}

export function patternBlinks(pattern: LedPatternName): boolean {
  return Object.values(LED_PATTERNS[pattern]).includes('blink');
}
