import type { Clock, RecordStore } from '../core/ports.js';
import type { NoShowPayload } from '../../protocol/records/payloads.js';
import type { SessionPackage } from '../../protocol/session/schema.js';
import type { SessionVault } from '../session/vault.js';
import { noShowRecord } from './records.js';

export type EndCause = NoShowPayload['cause'];

/**
 * The no-show pass when one version of a package ends (staff close, expiry, replacement by a
 * newer version, revocation): the identities of its experts are opened (each opening audited)
 * to record, once per assigned project without a sign record, a no-show with the version and the
 * cause; then `session.closed` is audited and what was opened, and the face gallery, forgotten.
 *
 * A package whose roster never unlocked could not be visited: nobody is a no-show of it and no
 * identity is opened (a package replaced or revoked the evening before). A no-show already in
 * the journal for this version (a pass cut short by a crash) is not written twice.
 * Runs under the vault's lifecycle lock (vault.end / revoke / install hooks). Returns the count.
 */
export interface NoShowPassDeps {
  vault: SessionVault;
  store: RecordStore;
  boothId: string;
  clock: Clock;
  /** A sign record exists for this expert and project in this package id (any version). */
  signed: (expertId: string, projectId: string) => boolean;
  /** A no-show was already recorded for this expert and project in this version. */
  recorded: (expertId: string, projectId: string) => boolean;
  /** Told after each no-show is committed. */
  noted: (expertId: string, projectId: string) => void;
  forgetFaces: () => void;
}

export async function noShowPass(d: NoShowPassDeps, pkg: SessionPackage, cause: EndCause): Promise<number> {
  const sealed = d.vault.unlockState(pkg).sealed;
  let count = 0;
  if (!sealed)
    for (const entry of pkg.roster.entries) {
      const identity = await d.vault.openIdentity(pkg, entry.ref, 'session-close');
      for (const a of identity.assignments) {
        if (d.signed(identity.expertId, a.projectId) || d.recorded(identity.expertId, a.projectId)) continue;
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
            cause,
          }),
        });
        d.noted(identity.expertId, a.projectId);
        count++;
      }
    }
  await d.store.commit({
    kind: 'audit',
    payload: {
      event: 'session.closed',
      boothId: d.boothId,
      packageId: pkg.packageId,
      version: pkg.version,
      cause,
      noShows: count,
      ...(sealed ? { sealed: true } : {}),
    },
  });
  d.vault.forget(pkg);
  d.forgetFaces();
  return count;
}
