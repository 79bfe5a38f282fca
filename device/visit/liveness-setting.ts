import type { CommittedRecord } from '../core/ports.js';

/**
 * The journal's record of the active liveness hall setting (`visit.activeLiveness`, pure).
 * With it off, a photo or a replayed video of an expert can pass the face check (docs/face.md),
 * so the archive must show when a booth ran that way: every start with it off is recorded, and
 * so is the first start with it on again after one with it off. The setting comes from the
 * config file and is read at start, so a change takes effect, and is recorded, at the next start.
 */
export const LIVENESS_SETTING_EVENT = 'liveness.setting';

export function livenessSettingAudit(
  activeLiveness: boolean,
  history: readonly CommittedRecord[],
): Record<string, unknown> | null {
  const last = [...history].reverse().find((r) => r.kind === 'audit' && r.payload.event === LIVENESS_SETTING_EVENT);
  const wasOff = last !== undefined && last.payload.activeLiveness === false;
  if (activeLiveness && !wasOff) return null;
  return {
    event: LIVENESS_SETTING_EVENT,
    activeLiveness,
    setting: 'visit.activeLiveness',
    detail: activeLiveness
      ? 'active liveness on again: a blink or turn is asked after every face match'
      : 'active liveness off: the face match relies on passive liveness only (a photo or replay may pass)',
  };
}
