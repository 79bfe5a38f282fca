import { createHash, type KeyObject } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { stampAndSeal, type DocumentsOptions, type Place, type SignerPem } from '../documents/index.js';
import type { DocumentSealer, SealedDocument, SealRequest } from './ports.js';

/**
 * DocumentSealer over the documents feature. Each expert's seal is one more incremental
 * revision of the same report, so all signatures of a package end up in one PDF, each revision
 * signed. The base of the next expert's stamp is the latest revision of THIS package and THIS
 * published document (`req.latest`, from the committed sign records), else the published
 * original (checked against its sha256): a revision of another package, or of an earlier
 * version of the PDF, is never used. Nothing is written here: the caller journals the intent
 * and stores the revisions (seal-journal.ts). A refusal stamps nothing.
 */
export interface SealerDeps {
  signer: () => Promise<SignerPem>;
  options: Partial<DocumentsOptions>;
  /** The centre's escrow key for the dynamics (null: the PDF carries their hash only). */
  escrowKey: () => Promise<KeyObject | null>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class PdfSealer implements DocumentSealer {
  constructor(private readonly deps: SealerDeps) {}

  async seal(req: SealRequest): Promise<SealedDocument[]> {
    const signer = await this.deps.signer();
    const escrowKey = req.dynamics ? await this.deps.escrowKey() : null;
    const out: SealedDocument[] = [];
    for (const doc of req.documents) {
      const pdf = (await req.latest(doc.id, doc.sha256)) ?? (await this.original(req, doc));
      const places: Place[] = doc.places.map((p, i) => ({
        id: `${doc.id}-${i + 1}`,
        page: p.page,
        x: p.x,
        y: p.y,
        width: p.width,
        height: p.height,
        seat: String(p.seat),
        kind: 'signature',
      }));
      const r = await stampAndSeal({
        pdf,
        places,
        seat: String(req.seat),
        name: req.name,
        action: req.action,
        ...(req.reason ? { reason: req.reason } : {}),
        recordId: req.recordId,
        project: `${req.project.name} ${req.project.section}`,
        signaturePng: req.signaturePng ?? Buffer.alloc(0),
        ...(req.dynamics ? { dynamics: req.dynamics, escrowKey } : {}),
        ...(req.newRevision
          ? { newRevision: { staffId: req.newRevision.staffId, at: new Date(req.newRevision.at) } }
          : {}),
        signer,
        now: new Date(req.now),
        options: this.deps.options,
      });
      out.push({
        documentId: doc.id,
        sha256Published: doc.sha256,
        sha256Before: r.sha256Before,
        bytesBefore: pdf.length,
        sha256After: r.sha256After,
        placesStamped: r.placesStamped,
        pdf: r.action === 'refuse' ? null : r.pdf,
      });
    }
    return out;
  }

  /** The published PDF, only when it is exactly what the package published. */
  private async original(req: SealRequest, doc: SealRequest['documents'][number]): Promise<Buffer> {
    const bytes = await req.original(doc.id);
    if (sha256(bytes) !== doc.sha256)
      throw new BoothError(
        'BOOTH_ERR_SESSION_REJECTED',
        `document ${req.project.id}/${doc.id} does not match its published sha256`,
        { reason: 'tampered' },
      );
    return bytes;
  }
}
