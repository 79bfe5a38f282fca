import { readFile } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';
import type { SessionPackage } from '../../protocol/session/schema.js';

/**
 * Where the published PDF of a package's document comes from: the seam between the visit (which
 * stamps it) and the session vault (which installs packages). The sealer checks whatever this
 * returns against the document's published sha256.
 */
export type DocumentOriginals = (pkg: SessionPackage, projectId: string, documentId: string) => Promise<Buffer>;

/**
 * The file the session vault holds for the document's published sha256 (inline documents are
 * written there at install, url documents fetched there over the package channel).
 */
export function heldOriginals(path: (sha256: string) => string): DocumentOriginals {
  return async (pkg, projectId, documentId) => {
    const doc = pkg.projects.find((p) => p.id === projectId)?.documents.find((d) => d.id === documentId);
    if (!doc)
      throw new BoothError(
        'BOOTH_ERR_NOT_FOUND',
        `document ${projectId}/${documentId} is not in package ${pkg.packageId}`,
      );
    try {
      return await readFile(path(doc.sha256));
    } catch (err) {
      throw new BoothError(
        'BOOTH_ERR_NOT_READY',
        `document ${projectId}/${documentId} of package ${pkg.packageId}: its published PDF is not held`,
        {},
        { cause: err },
      );
    }
  };
}

/**
 * The PDF inline in the package (`bytes`, base64). A `url` document is fetched when its package
 * is installed (the vault keeps the file); that source is passed in instead of this one.
 */
export const inlineOriginals: DocumentOriginals = async (pkg, projectId, documentId) => {
  const doc = pkg.projects.find((p) => p.id === projectId)?.documents.find((d) => d.id === documentId);
  if (!doc)
    throw new BoothError(
      'BOOTH_ERR_NOT_FOUND',
      `document ${projectId}/${documentId} is not in package ${pkg.packageId}`,
    );
  if (doc.bytes === undefined)
    throw new BoothError(
      'BOOTH_ERR_NOT_READY',
      `document ${projectId}/${documentId} of package ${pkg.packageId} is not inline and no fetched file was provided`,
    );
  return Buffer.from(doc.bytes, 'base64');
};
