import { BoothError } from '../../protocol/errors.js';
import type { Clock, RecordStore } from '../core/ports.js';
import type { Choice, Visit } from '../core/visit/types.js';
import type { IdentityPart, SessionPackage } from '../../protocol/session/schema.js';
import type { CapturedSignature, DocumentSealer, SealedDocument } from './ports.js';
import { signRecord } from './records.js';

/**
 * The end of one project for one expert: stamp and seal the project's documents (or record the
 * refusal), keep the signature dynamics as an encrypted blob, and commit the sign record. The
 * record is durable when this resolves, so the kiosk may then say "done". Throws on any failure
 * before the commit; nothing is recorded as signed then.
 */
export interface CompleteDeps {
  sealer: DocumentSealer;
  store: RecordStore;
  clock: Clock;
  boothId: string;
  newId: () => string;
}

export interface Completed {
  signId: string;
  recordId: string;
  documents: SealedDocument[];
}

export async function completeProject(
  d: CompleteDeps,
  input: {
    pkg: SessionPackage;
    identity: IdentityPart;
    visit: Visit;
    choice: Choice;
    signature: CapturedSignature | null;
  },
): Promise<Completed> {
  const { pkg, identity, visit, choice } = input;
  const project = pkg.projects.find((p) => p.id === choice.projectId);
  const assignment = identity.assignments.find((a) => a.projectId === choice.projectId);
  if (!project || !assignment) throw new BoothError('BOOTH_ERR_VISIT_REFUSED', 'project not assigned to this expert');
  const sig = choice.action === 'refuse' ? null : input.signature;
  if (choice.action !== 'refuse' && !sig?.png)
    throw new BoothError('BOOTH_ERR_SIGNATURE_EMPTY', 'no captured signature to stamp');
  const signId = d.newId();
  const documents = await d.sealer.seal({
    recordId: signId,
    project: { id: project.id, name: project.name, section: project.section },
    documents: project.documents,
    seat: assignment.seat,
    name: identity.displayName,
    action: choice.action,
    reason: choice.reason,
    signaturePng: sig?.png ?? null,
    dynamics: sig?.dynamics ?? null,
    now: d.clock.now(),
  });
  const dynamicsBlob = sig?.dynamics ? await d.store.putBlob(sig.dynamics, { sensitive: true }) : null;
  const record = await d.store.commit({
    kind: 'sign',
    payload: signRecord({
      signId,
      packageId: pkg.packageId,
      boothId: d.boothId,
      visit,
      choice,
      seat: assignment.seat,
      scheduledSignIn: Date.parse(assignment.scheduledSignIn),
      documents,
      signature: sig ? { samples: sig.samples, strokes: sig.strokes, dynamicsBlob } : null,
      sealedAt: d.clock.now(),
    }),
  });
  return { signId, recordId: record.id, documents };
}
