import type { Clock, RecordStore } from '../core/ports.js';
import type { SessionVault } from '../session/vault.js';
import { noShowRecord, type NoShowCause } from './records.js';

/**
 * Session close: the evaluation is over and the result fixed, so the identities of experts who
 * never came may be opened (each opening audited) to record them as no-shows, once per assigned
 * project without a sign record. Then everything opened, and the face gallery, is forgotten.
 * Returns the number of no-show records.
 */
export async function closeSession(d: {
  vault: SessionVault;
  store: RecordStore;
  boothId: string;
  clock: Clock;
  signed: (expertId: string, projectId: string) => boolean;
  forgetFaces: () => void;
  /** Why the session closes (the no-show records say it); default: closed by staff. */
  cause?: NoShowCause;
}): Promise<number> {
  const pkg = d.vault.current;
  if (!pkg) return 0;
  let count = 0;
  for (const ref of d.vault.refs()) {
    const identity = await d.vault.openIdentity(ref, 'session-close');
    for (const a of identity.assignments) {
      if (d.signed(identity.expertId, a.projectId)) continue;
      await d.store.commit({
        kind: 'visit',
        payload: noShowRecord({
          packageId: pkg.packageId,
          packageVersion: pkg.version,
          boothId: d.boothId,
          expertId: identity.expertId,
          projectId: a.projectId,
          seat: a.seat,
          scheduledSignIn: a.scheduledSignIn,
          closedAt: d.clock.now(),
          cause: d.cause ?? 'close',
        }),
      });
      count++;
    }
  }
  await d.store.commit({
    kind: 'audit',
    payload: { event: 'session.closed', boothId: d.boothId, packageId: pkg.packageId, noShows: count },
  });
  d.vault.forget();
  d.forgetFaces();
  return count;
}
