import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';
import {
  stampAndSeal,
  writePdfDurable,
  type DocumentsOptions,
  type Place,
  type SignerPem,
} from '../documents/index.js';
import type { DocumentSealer, SealedDocument, SealRequest } from './ports.js';

/**
 * DocumentSealer over the documents feature. Each expert's seal is one more incremental
 * revision of the same report, so every document keeps a "latest" file that the next expert's
 * stamp builds on (all signatures end up in one PDF, each revision signed); every revision is
 * also kept under its record id. A refusal stamps nothing and writes nothing.
 */
export interface SealerDeps {
  dir: string;
  signer: () => Promise<SignerPem>;
  options: Partial<DocumentsOptions>;
  /** The published PDF of a document by its sha256, as the session vault holds it (inline or fetched at install). */
  published?: (sha256: string) => string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class PdfSealer implements DocumentSealer {
  constructor(private readonly deps: SealerDeps) {}

  latestPath(projectId: string, documentId: string): string {
    return join(this.deps.dir, projectId, `${documentId}.pdf`);
  }

  async seal(req: SealRequest): Promise<SealedDocument[]> {
    const signer = await this.deps.signer();
    const out: SealedDocument[] = [];
    for (const doc of req.documents) {
      const pdf = await this.currentBytes(req.project.id, doc);
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
        ...(req.dynamics ? { dynamics: req.dynamics } : {}),
        signer,
        now: new Date(req.now),
        options: this.deps.options,
      });
      let path: string | null = null;
      if (r.action !== 'refuse') {
        path = join(this.deps.dir, req.project.id, `${doc.id}.${req.recordId}.pdf`);
        await writePdfDurable(path, r.pdf);
        await writePdfDurable(this.latestPath(req.project.id, doc.id), r.pdf);
      }
      out.push({
        documentId: doc.id,
        sha256Before: r.sha256Before,
        sha256After: r.sha256After,
        placesStamped: r.placesStamped,
        path,
      });
    }
    return out;
  }

  /** The latest sealed revision on this booth, else the package's original (checked against its hash). */
  private async currentBytes(projectId: string, doc: SealRequest['documents'][number]): Promise<Buffer> {
    try {
      return await readFile(this.latestPath(projectId, doc.id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let bytes: Buffer;
    if (doc.bytes !== undefined) bytes = Buffer.from(doc.bytes, 'base64');
    else if (this.deps.published) bytes = await readFile(this.deps.published(doc.sha256));
    else throw new BoothError('BOOTH_ERR_NOT_READY', `document ${projectId}/${doc.id}: its published PDF is not held`);
    if (sha256(bytes) !== doc.sha256)
      throw new BoothError('BOOTH_ERR_SESSION_REJECTED', `document ${projectId}/${doc.id} does not match its sha256`, {
        reason: 'tampered',
      });
    return bytes;
  }
}
