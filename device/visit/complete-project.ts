import { BoothError } from '../../protocol/errors.js';
import type { Clock, RecordStore } from '../core/ports.js';
import type { Choice, Visit } from '../core/visit/types.js';
import type { IdentityPart, SessionPackage } from '../../protocol/session/schema.js';
import type { CapturedSignature, DocumentSealer } from './ports.js';
import { signRecord, type SignedDocumentEntry } from './records.js';
import type { SealJournal } from './seal-journal.js';
import type { DocumentOriginals } from './originals.js';

/**
 * The end of one project for one expert: stamp and seal the project's documents on their
 * working copies (or record the refusal), then journal it (seal-journal.ts: intent, revision
 * and dynamics blobs, sign record). The record is durable when this resolves, so the kiosk may
 * then say "done". Throws on any failure before the commit; nothing is recorded as signed then.
 */
export interface CompleteDeps {
  sealer: DocumentSealer;
  seals: SealJournal;
  /** The published PDFs of a package (inline bytes; files fetched with the package). */
  originals: DocumentOriginals;
  store: RecordStore;
  clock: Clock;
  boothId: string;
  newId: () => string;
}

export interface Completed {
  signId: string;
  recordId: string;
  documents: SignedDocumentEntry[];
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
  // A seal of this process whose sign record failed to commit is finished (or orphaned) first,
  // so the working copies below are the right ones.
  await d.seals.settlePending();
  const signId = d.newId();
  const sealed = await d.sealer.seal({
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
    newRevision:
      visit.override && visit.override.projectId === choice.projectId
        ? { staffId: visit.override.staffId, at: visit.override.at }
        : null,
    original: (documentId) => d.originals(pkg, project.id, documentId),
    latest: (documentId, sha256Published) =>
      d.seals.latest({ packageId: pkg.packageId, projectId: project.id, documentId, sha256Published }),
  });
  const revisions = new Map<string, Buffer>();
  const documents = sealed.map((s) => {
    const blob = s.pdf ? d.store.blobId(s.pdf) : null;
    if (blob && s.pdf) revisions.set(blob, s.pdf);
    return {
      documentId: s.documentId,
      sha256Published: s.sha256Published,
      sha256Before: s.sha256Before,
      bytesBefore: s.bytesBefore,
      sha256After: s.sha256After,
      placesStamped: s.placesStamped,
      blob,
    };
  });
  const dynamics = sig?.dynamics
    ? { bytes: sig.dynamics, blob: d.store.blobId(sig.dynamics, { sensitive: true }) }
    : null;
  const sign = signRecord({
    signId,
    packageId: pkg.packageId,
    packageVersion: pkg.version,
    boothId: d.boothId,
    visit,
    choice,
    seat: assignment.seat,
    scheduledSignIn: Date.parse(assignment.scheduledSignIn),
    documents,
    signature: sig ? { samples: sig.samples, strokes: sig.strokes, dynamicsBlob: dynamics?.blob ?? null } : null,
    sealedAt: d.clock.now(),
  });
  const record = await d.seals.commit({
    sign: { ...sign, signId, packageId: pkg.packageId, projectId: project.id },
    documents,
    revisions,
    dynamics,
  });
  return { signId, recordId: record.id, documents: record.payload.documents as SignedDocumentEntry[] };
}
