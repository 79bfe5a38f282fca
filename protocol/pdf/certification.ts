import { PDFArray, PDFDict, PDFName, PDFNumber, type PDFDocument } from '@cantoo/pdf-lib';
import { BoothError } from '../errors.js';

/**
 * Certified documents (ISO 32000-1 12.8.2.2): a certification signature is the catalog's
 * /Perms /DocMDP signature dictionary; its /Reference entry with /TransformMethod /DocMDP holds
 * /TransformParams /P: 1 no changes, 2 form filling and signing, 3 also annotations. None of them
 * allows new page content, which is what a stamp is: a viewer would report the certified document
 * as altered. So every certified document is refused, whatever its P (absent or unknown P counts
 * as the default, 2). Used by the booth before stamping and by the central server at plan import.
 */
const DEFAULT_P = 2;

/** The DocMDP permission of a certified document, or null when it is not certified. */
export function certificationPermission(doc: PDFDocument): number | null {
  const sig = doc.catalog.lookupMaybe(PDFName.of('Perms'), PDFDict)?.lookupMaybe(PDFName.of('DocMDP'), PDFDict);
  if (!sig) return null;
  const refs = sig.lookupMaybe(PDFName.of('Reference'), PDFArray);
  for (let i = 0; refs && i < refs.size(); i++) {
    const ref = refs.lookupMaybe(i, PDFDict);
    if (ref?.lookup(PDFName.of('TransformMethod')) !== PDFName.of('DocMDP')) continue;
    const p = ref.lookupMaybe(PDFName.of('TransformParams'), PDFDict)?.lookupMaybe(PDFName.of('P'), PDFNumber);
    return p?.asNumber() ?? DEFAULT_P;
  }
  return DEFAULT_P;
}

/** BOOTH_ERR_PDF_CERTIFIED when the document is certified: stamping would break the certification. */
export function checkNotCertified(doc: PDFDocument): void {
  const p = certificationPermission(doc);
  if (p === null) return;
  throw new BoothError(
    'BOOTH_ERR_PDF_CERTIFIED',
    `pdf: the document is certified (DocMDP P=${p}); P=${p} does not allow page content changes, so it cannot be stamped. ` +
      'Expected a document that is not certified (signatures without certification are kept)',
    { docMdpP: p },
  );
}
