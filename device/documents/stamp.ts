import {
  concatTransformationMatrix,
  degrees,
  drawImage,
  drawObject,
  drawText,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  PDFName,
  type PDFRef,
  type PDFDocument,
  type PDFFont,
  type PDFHexString,
  type PDFImage,
  type PDFOperator,
  type RGB,
} from '@cantoo/pdf-lib';
import { createHash } from 'node:crypto';
import fontkit from '@cantoo/fontkit';
import { BoothError } from '../../protocol/errors.js';
import type { Place } from './places.js';
import { loadStampFont } from './font.js';

/**
 * Draws one expert's stamps: the signature image (embedded once, drawn on every signature place,
 * aspect kept and centred), the name and the date-time where asked, the verification code (the
 * sign record's id) under each signature, and for a dissent a red "持不同意见" mark above it.
 * Each page gets one new content stream (pdf-lib wraps the existing ones in q/Q, so their
 * graphics state is untouched) that only places shared stamp objects.
 */
export const DISSENT_MARK = '持不同意见';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DISSENT_RED = rgb(0.8, 0.05, 0.05);

export interface StampContent {
  signaturePng: Uint8Array;
  name: string;
  /** Already formatted for display, e.g. "2026-11-26 10:42". */
  dateText: string;
  verificationCode: string;
  dissent: boolean;
  color: RGB;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Largest box of the image's aspect ratio inside `area`, centred in it. */
export function fitCentred(imageWidth: number, imageHeight: number, area: Box): Box {
  const scale = Math.min(area.width / imageWidth, area.height / imageHeight);
  const width = imageWidth * scale;
  const height = imageHeight * scale;
  return { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
}

/** Splits a signature place into the strips for the dissent mark, the image and the code. */
export function signatureLayout(place: Box, dissent: boolean): { image: Box; code: Box; mark: Box | null } {
  const strip = Math.min(7, Math.max(3, place.height * 0.14));
  const markStrip = dissent ? Math.min(12, Math.max(4, place.height * 0.22)) : 0;
  return {
    code: { x: place.x, y: place.y, width: place.width, height: strip },
    image: { x: place.x, y: place.y + strip, width: place.width, height: place.height - strip - markStrip },
    mark: dissent ? { x: place.x, y: place.y + place.height - markStrip, width: place.width, height: markStrip } : null,
  };
}

function hexColor(hex: string): RGB {
  const n = Number.parseInt(hex.slice(1), 16);
  return rgb(((n >> 16) & 0xff) / 255, ((n >> 8) & 0xff) / 255, (n & 0xff) / 255);
}
export { hexColor };

/** Where and how large a text goes: the largest size up to 80 % of the box height that fits its width. */
function fitText(widthAtOne: number, box: Box, align: 'centre' | 'left'): { x: number; y: number; size: number } {
  const size = Math.max(1, Math.min(box.height * 0.8, (box.width * 0.96) / widthAtOne));
  const width = widthAtOne * size;
  // Baseline so the glyphs' body sits in the middle of the box (descender about 0.12 em).
  const y = box.y + (box.height - size) / 2 + size * 0.12;
  const x = align === 'centre' ? box.x + (box.width - width) / 2 : box.x + box.width * 0.02;
  return { x, y, size };
}

export async function embedSignature(doc: PDFDocument, png: Uint8Array): Promise<PDFImage> {
  if (png.length < 8 || !Buffer.from(png.subarray(0, 8)).equals(PNG_MAGIC))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'signature image: expected a PNG file');
  try {
    return await doc.embedPng(png);
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `signature image: cannot be decoded (${(err as Error).message})`);
  }
}

/**
 * Embeds the glyphs of `texts` only. A subset font's name carries a six-letter tag (ISO 32000
 * 9.6.4) so viewers know it is incomplete; the tag is derived from the texts.
 */
export async function embedStampFont(doc: PDFDocument, texts: readonly string[]): Promise<PDFFont> {
  doc.registerFontkit(fontkit);
  const digest = createHash('sha256').update(texts.join('\u0000')).digest();
  const tag = [...digest.subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
  return doc.embedFont(await loadStampFont(), { subset: true, customName: `${tag}+NotoSansSC-Regular` });
}

const FONT_KEY = 'F0';
const IMAGE_KEY = 'Im0';

/**
 * Builds the art of one stamp kind and size once, as a form XObject in its own coordinates
 * (0,0 to width,height); every place of that kind and size shows the same object. Text is
 * shaped once per string, the image is referenced, so 288 places cost 288 tiny `Do` operators.
 */
class StampArt {
  private readonly forms = new Map<string, PDFRef>();
  private readonly texts = new Map<string, { hex: PDFHexString; widthAtOne: number }>();

  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly image: PDFImage | null,
    private readonly content: StampContent,
  ) {}

  /** The stamp of `kind` as seen by the reader: `width` x `height` after the page's rotation. */
  formFor(kind: Place['kind'], width: number, height: number): PDFRef {
    const key = `${kind}:${width}x${height}`;
    let ref = this.forms.get(key);
    if (!ref) {
      ref = this.build(kind, width, height);
      this.forms.set(key, ref);
    }
    return ref;
  }

  private text(s: string): { hex: PDFHexString; widthAtOne: number } {
    let t = this.texts.get(s);
    if (!t) {
      t = { hex: this.font.encodeText(s), widthAtOne: this.font.widthOfTextAtSize(s, 1) };
      this.texts.set(s, t);
    }
    return t;
  }

  private textOps(s: string, box: Box, color: RGB, align: 'centre' | 'left'): PDFOperator[] {
    if (s.length === 0) return [];
    const t = this.text(s);
    return drawText(t.hex, {
      ...fitText(t.widthAtOne, box, align),
      font: FONT_KEY,
      color,
      rotate: degrees(0),
      xSkew: degrees(0),
      ySkew: degrees(0),
    });
  }

  private build(kind: Place['kind'], width: number, height: number): PDFRef {
    const box: Box = { x: 0, y: 0, width, height };
    const c = this.content;
    const ops: PDFOperator[] = [];
    switch (kind) {
      case 'signature': {
        const layout = signatureLayout(box, c.dissent);
        if (this.image) {
          const fit = fitCentred(this.image.width, this.image.height, layout.image);
          ops.push(...drawImage(IMAGE_KEY, { ...fit, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }));
        }
        ops.push(...this.textOps(c.verificationCode, layout.code, c.color, 'centre'));
        if (layout.mark) ops.push(...this.textOps(DISSENT_MARK, layout.mark, DISSENT_RED, 'left'));
        break;
      }
      case 'name':
        ops.push(...this.textOps(c.name, box, c.color, 'centre'));
        break;
      case 'date':
        ops.push(...this.textOps(c.dateText, box, c.color, 'centre'));
        break;
    }
    const ctx = this.doc.context;
    const resources: Record<string, unknown> = { Font: { [FONT_KEY]: this.font.ref } };
    if (this.image) resources.XObject = { [IMAGE_KEY]: this.image.ref };
    const form = ctx.formXObject(ops, {
      BBox: [0, 0, width, height],
      Resources: ctx.obj(resources as never),
    });
    return ctx.register(form);
  }
}

/**
 * Where the stamp art goes on the page: its box (as the reader sees it) mapped onto the place's
 * rectangle in user space, turned against the page's /Rotate so the stamp reads upright on a
 * landscape or scanned page shown rotated. Returns the visible size and the cm matrix.
 */
export function placement(
  place: Box,
  rotation: number,
): { width: number; height: number; matrix: [number, number, number, number, number, number] } {
  const { x, y, width: w, height: h } = place;
  switch (((rotation % 360) + 360) % 360) {
    case 90:
      return { width: h, height: w, matrix: [0, 1, -1, 0, x + w, y] };
    case 180:
      return { width: w, height: h, matrix: [-1, 0, 0, -1, x + w, y + h] };
    case 270:
      return { width: h, height: w, matrix: [0, -1, 1, 0, x, y + h] };
    default:
      return { width: w, height: h, matrix: [1, 0, 0, 1, x, y] };
  }
}

/** Draws every place; returns how many were stamped. The caller validated the places. */
export async function drawStamps(doc: PDFDocument, places: readonly Place[], content: StampContent): Promise<number> {
  const needsImage = places.some((p) => p.kind === 'signature');
  const image = needsImage ? await embedSignature(doc, content.signaturePng) : null;
  const font = await embedStampFont(doc, [content.name, content.dateText, content.verificationCode]);
  const art = new StampArt(doc, font, image, content);
  const pages = doc.getPages();
  const byPage = new Map<number, Place[]>();
  for (const place of places) byPage.set(place.page, [...(byPage.get(place.page) ?? []), place]);
  // Pages with the same places get the same content stream object: a 96-page report with one
  // template layout adds one stream, not 96. XObject names are fixed per stamp object so the
  // operators are identical; a page that already uses such a name gets its own stream.
  const streams = new Map<string, PDFRef>();
  for (const [pageNumber, onPage] of byPage) {
    const page = pages[pageNumber - 1];
    if (!page) throw new BoothError('BOOTH_ERR_PDF_PLACES', `place on page ${pageNumber}: no such page`);
    const xobjects = page.node.normalizedEntries().XObject;
    const ops: PDFOperator[] = [];
    let shareable = true;
    for (const place of onPage) {
      const at = placement(place, page.getRotation().angle);
      const form = art.formFor(place.kind, at.width, at.height);
      let name = PDFName.of(`BoothStamp${form.objectNumber}`);
      const existing = xobjects.get(name);
      if (existing && existing !== form) {
        name = xobjects.uniqueKey('BoothStamp');
        shareable = false;
      }
      xobjects.set(name, form);
      ops.push(pushGraphicsState(), concatTransformationMatrix(...at.matrix), drawObject(name), popGraphicsState());
    }
    const key = ops.map((o) => o.toString()).join('\n');
    let ref = shareable ? streams.get(key) : undefined;
    if (!ref) {
      ref = doc.context.register(doc.context.contentStream(ops));
      if (shareable) streams.set(key, ref);
    }
    page.node.addContentStream(ref);
  }
  return places.length;
}
