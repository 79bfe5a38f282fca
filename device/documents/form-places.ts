import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import { BoothError } from '../../protocol/errors.js';
import type { Place, PlaceKind } from './places.js';

/**
 * Places defined inside the PDF: form fields named `<kind>.<seat>` or `<kind>.<seat>.<n>`, where
 * kind is `sig`, `name` or `date`. Every widget of such a field is one place, so a trading centre
 * can draw one field per page or one field with a widget on each page in any PDF editor.
 * Widgets are found by walking each page's /Annots, which also tells the page of each widget
 * (the widget's own /P is optional and often missing).
 */
const KIND_PREFIX: Record<string, PlaceKind> = { sig: 'signature', name: 'name', date: 'date' };
export const FIELD_NAME_PATTERN = /^(sig|name|date)\.([A-Za-z0-9_-]{1,32})(?:\.(\d{1,4}))?$/;
const MAX_PARENT_DEPTH = 32;

function text(obj: unknown): string | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.decodeText();
  return undefined;
}

/** The fully qualified field name of a widget: the /T of it and its /Parent chain joined by dots. */
function fieldName(widget: PDFDict): string | undefined {
  const parts: string[] = [];
  let node: PDFDict | undefined = widget;
  for (let depth = 0; node && depth < MAX_PARENT_DEPTH; depth++) {
    const t = text(node.lookup(PDFName.of('T')));
    if (t !== undefined) parts.unshift(t);
    node = node.lookupMaybe(PDFName.of('Parent'), PDFDict);
  }
  return parts.length > 0 ? parts.join('.') : undefined;
}

function rectOf(widget: PDFDict, name: string): { x: number; y: number; width: number; height: number } {
  const rect = widget.lookupMaybe(PDFName.of('Rect'), PDFArray);
  const nums = rect?.asRectangle();
  if (!nums) throw new BoothError('BOOTH_ERR_PDF_PLACES', `form field ${name}: expected a /Rect on its widget`);
  return nums;
}

/** Reads convention-named fields into places; fields with other names are left alone. */
export function placesFromForm(doc: PDFDocument): Place[] {
  return formPlaces(doc).map((f) => f.place);
}

/**
 * Hides the placeholder widgets of a seat once its stamps are drawn: viewers paint widgets over
 * the page content, so a field with a border or background would cover the stamp. Only that
 * seat's widgets change (Hidden flag set, in the new revision); other fields stay as they were.
 */
export function hideSeatWidgets(doc: PDFDocument, seat: string): number {
  const mine = formPlaces(doc).filter((f) => f.place.seat === seat);
  for (const { widget } of mine) {
    const flags = widget.lookupMaybe(PDFName.of('F'), PDFNumber)?.asNumber() ?? 0;
    // Hidden (2) set, Print (4) cleared: the stamp under it is what prints.
    widget.set(PDFName.of('F'), PDFNumber.of((flags | 2) & ~4));
  }
  return mine.length;
}

function formPlaces(doc: PDFDocument): { place: Place; widget: PDFDict }[] {
  const places: { place: Place; widget: PDFDict }[] = [];
  doc.getPages().forEach((page, pageIndex) => {
    const annots = page.node.Annots();
    if (!annots) return;
    for (let i = 0; i < annots.size(); i++) {
      const annot = annots.lookupMaybe(i, PDFDict);
      if (!annot || annot.lookup(PDFName.of('Subtype')) !== PDFName.of('Widget')) continue;
      const name = fieldName(annot);
      const match = name ? FIELD_NAME_PATTERN.exec(name) : null;
      if (!match || !name) continue;
      const kind = KIND_PREFIX[match[1] ?? ''];
      const seat = match[2];
      if (!kind || !seat) continue;
      const r = rectOf(annot, name);
      // Editors store /Rect corners in either order; a place is always the normalised box.
      const x = Math.min(r.x, r.x + r.width);
      const y = Math.min(r.y, r.y + r.height);
      places.push({
        widget: annot,
        place: {
          id: `${name}@p${pageIndex + 1}`,
          page: pageIndex + 1,
          x,
          y,
          width: Math.abs(r.width),
          height: Math.abs(r.height),
          seat,
          kind,
        },
      });
    }
  });
  return places;
}
