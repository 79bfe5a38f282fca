import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { BoothError } from '../../protocol/errors.js';
import { signatureByteRanges } from '../../protocol/pdf/verify.js';

/**
 * The last check before a result leaves the documents feature: every signature that verifies in
 * the input still verifies in the output, over the same bytes, and is still a field of the form
 * (/AcroForm /Fields: form-driven viewers such as Acrobat list signatures from there, so a field
 * dropped by a later revision is lost to them even though its bytes are intact). A bid dispute rests on those earlier
 * signatures, so a result that loses one is refused (BOOTH_ERR_PDF_SIGNATURE_LOST naming the
 * field) and nothing is written: the callers run this before they return the bytes.
 */
const MAX_FIELD_DEPTH = 32;

/** The ByteRange of a signature as text, the key verify.ts reports signatures by. */
const rangeKey = (br: readonly number[]): string => br.join(' ');

function text(obj: unknown): string | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.decodeText();
  return undefined;
}

/**
 * The signed signature fields of the form, by the ByteRange of their value: what a viewer lists.
 * Fields whose value has no numeric ByteRange (unsigned, or the booth's own placeholder) are left out.
 */
export function signedFields(doc: PDFDocument): Map<string, string> {
  const found = new Map<string, string>();
  const fields = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict)?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  const seen = new Set<PDFDict>();
  const walk = (list: PDFArray | undefined, prefix: string, depth: number): void => {
    for (let i = 0; list && depth < MAX_FIELD_DEPTH && i < list.size(); i++) {
      const field = list.lookupMaybe(i, PDFDict);
      if (!field || seen.has(field)) continue;
      seen.add(field);
      const t = text(field.lookup(PDFName.of('T')));
      const name = t === undefined ? prefix : prefix ? `${prefix}.${t}` : t;
      const br = field.lookupMaybe(PDFName.of('V'), PDFDict)?.lookupMaybe(PDFName.of('ByteRange'), PDFArray)?.asArray();
      if (br?.length === 4 && br.every((n) => n instanceof PDFNumber))
        found.set(rangeKey(br.map((n) => (n as PDFNumber).asNumber())), name || `(unnamed field ${i + 1})`);
      walk(field.lookupMaybe(PDFName.of('Kids'), PDFArray), name, depth + 1);
    }
  };
  walk(fields, '', 0);
  return found;
}

export interface FormFields {
  /** signedFields() of the document as loaded, before any change. */
  before: Map<string, string>;
  /** signedFields() of the same document as written (after the changes). */
  after: Map<string, string>;
}

function lost(what: string, byteRange: readonly number[], why: string): BoothError {
  return new BoothError(
    'BOOTH_ERR_PDF_SIGNATURE_LOST',
    `pdf: the earlier signature ${what} would not survive stamping (${why}); nothing was written`,
    { field: what, byteRange },
  );
}

/**
 * Throws BOOTH_ERR_PDF_SIGNATURE_LOST unless every signature of `input` survives in `output`.
 * A signature's verification depends only on the bytes 0 .. end of its ByteRange (the range, the
 * CMS in its gap, the covered bytes), so when those bytes are the same in the output every
 * signature that verifies in the input verifies there too, and one that does not was not ours to
 * break either: byte equality is the whole check, without repeating the crypto (verify.ts).
 * A range running past the input's end cannot verify in it and is skipped.
 */
export function checkSignaturesKept(input: Uint8Array, output: Uint8Array, form?: FormFields): void {
  signatureByteRanges(input).forEach((br, i) => {
    const end = br[2] + br[3];
    if (end > input.length) return;
    const key = rangeKey(br);
    const what = form?.before.get(key) ?? `#${i + 1} (bytes 0-${end})`;
    const kept = output.length >= end && Buffer.compare(output.subarray(0, end), input.subarray(0, end)) === 0;
    if (!kept) throw lost(what, br, 'the bytes it signed are not kept as they were, so it would no longer verify');
    if (form?.before.has(key) && !form.after.has(key))
      throw lost(what, br, 'its field is no longer in /AcroForm /Fields, where viewers list signatures');
  });
}
