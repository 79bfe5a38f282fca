import { Type, type Static } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';

/**
 * Signature places: where one seat's stamp goes. Coordinates are PDF points in the page's own
 * user space (origin bottom-left, before any /Rotate), pages are numbered from 1 as a person
 * reads them. A place file is validated twice: by schema, then against the real page boxes, and
 * either failure names the place, before anything is written.
 */
export const PlaceKind = Type.Union([Type.Literal('signature'), Type.Literal('name'), Type.Literal('date')]);
export type PlaceKind = Static<typeof PlaceKind>;

export const SEAT_PATTERN = '^[A-Za-z0-9_-]{1,32}$';

export const PlaceSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'name used in error messages' })),
    page: Type.Integer({ minimum: 1, description: '1-based page number' }),
    x: Type.Number({ description: 'left edge, PDF points' }),
    y: Type.Number({ description: 'bottom edge, PDF points' }),
    width: Type.Number({ exclusiveMinimum: 0 }),
    height: Type.Number({ exclusiveMinimum: 0 }),
    seat: Type.String({ pattern: SEAT_PATTERN }),
    kind: PlaceKind,
  },
  { additionalProperties: false },
);
export type Place = Static<typeof PlaceSchema>;

export const PlacesFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    places: Type.Array(PlaceSchema, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type PlacesFile = Static<typeof PlacesFileSchema>;

const placesValidator = compileValidator(PlacesFileSchema, { code: 'BOOTH_ERR_PDF_PLACES' });

/** Parses PLACES.json text (or an already parsed value) into places; throws naming each bad field. */
export function parsePlaces(input: string | unknown): Place[] {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new BoothError('BOOTH_ERR_PDF_PLACES', `places: expected JSON (${(err as Error).message})`);
    }
  }
  return placesValidator.parse(value, 'places').places;
}

/** The visible box of a page (CropBox, else MediaBox) in its user space. */
export interface PageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function placeName(p: Place, index: number): string {
  return p.id ?? `#${index + 1} (page ${p.page}, ${p.kind}, seat ${p.seat})`;
}

/** Tolerance for rectangles drawn in editors that snap to the page edge with rounding. */
const EDGE_EPSILON = 0.01;

/**
 * Checks every place against the document's page boxes. Collects all problems so a template
 * author fixes them in one pass; throws BOOTH_ERR_PDF_PLACES naming each bad place.
 */
export function checkPlacesFit(places: readonly Place[], pages: readonly PageBox[]): void {
  const problems: string[] = [];
  places.forEach((p, i) => {
    const name = placeName(p, i);
    const box = pages[p.page - 1];
    if (!box) {
      problems.push(`place ${name}: page ${p.page} does not exist (the document has ${pages.length} pages)`);
      return;
    }
    if (!(p.width > 0 && p.height > 0)) {
      problems.push(`place ${name}: expected a rectangle with positive width and height`);
      return;
    }
    const inside =
      p.x >= box.x - EDGE_EPSILON &&
      p.y >= box.y - EDGE_EPSILON &&
      p.x + p.width <= box.x + box.width + EDGE_EPSILON &&
      p.y + p.height <= box.y + box.height + EDGE_EPSILON;
    if (!inside)
      problems.push(
        `place ${name}: rectangle [${p.x}, ${p.y}, ${p.width} x ${p.height}] is not inside page ${p.page} ` +
          `[${box.x}, ${box.y}, ${box.width} x ${box.height}]`,
      );
  });
  if (problems.length > 0) throw new BoothError('BOOTH_ERR_PDF_PLACES', problems.slice(0, 20).join('; '), { problems });
}

/** The places of one seat, in page order (the order stamps are drawn and reported). */
export function placesOfSeat(places: readonly Place[], seat: string): Place[] {
  return places.filter((p) => p.seat === seat).sort((a, b) => a.page - b.page);
}
