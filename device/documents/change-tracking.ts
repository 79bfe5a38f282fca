import { PDFArray, PDFDict, PDFStream, type PDFDocument, type PDFObject, type PDFRef } from '@cantoo/pdf-lib';

/**
 * Makes pdf-lib's incremental change tracking fast. For every changed object pdf-lib looks up
 * the indirect object that holds it by scanning all objects of the document (and, for direct
 * objects, their whole trees): quadratic, seconds for a 500-page report. This replaces the
 * lookup with an index (object -> owning indirect object of the loaded revision):
 *  - built once from every object loaded;
 *  - grown when a known container changes: its new direct children (just inserted) join it;
 *  - objects in no loaded object (under construction, or inside a new indirect object) need no
 *    mark: new indirect objects are always written whole, and attaching a new direct object to
 *    a loaded one changes (and marks) that one.
 * So what gets marked for the new revision is what pdf-lib itself would mark.
 */
interface TrackingContext {
  snapshot?: { markRefForSave(ref: PDFRef): void };
  enumerateIndirectObjects(): [PDFRef, PDFObject][];
  registerObjectChange(obj: PDFObject): void;
}

function directChildren(obj: PDFObject): PDFObject[] {
  if (obj instanceof PDFStream) return [obj.dict];
  if (obj instanceof PDFDict) return obj.values();
  if (obj instanceof PDFArray) return obj.asArray();
  return [];
}

/** Adds the direct containers under `obj` that the index does not know yet. */
function indexNew(obj: PDFObject, ref: PDFRef, owner: Map<PDFObject, PDFRef>): void {
  for (const child of directChildren(obj)) {
    if (!(child instanceof PDFDict || child instanceof PDFArray) || owner.has(child)) continue;
    owner.set(child, ref);
    indexNew(child, ref, owner);
  }
}

export function useFastChangeTracking(doc: PDFDocument): void {
  const ctx = doc.context as unknown as TrackingContext;
  const owner = new Map<PDFObject, PDFRef>();
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) {
    owner.set(obj, ref);
    if (obj instanceof PDFStream) owner.set(obj.dict, ref);
  }
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) indexNew(obj, ref, owner);
  ctx.registerObjectChange = (obj: PDFObject): void => {
    const ref = owner.get(obj);
    if (!ref || !ctx.snapshot) return;
    ctx.snapshot.markRefForSave(ref);
    indexNew(obj, ref, owner);
  };
}
