import { describe, expect, it } from 'vitest';
import { checkPlacesFit, parsePlaces, placesOfSeat, type Place } from '../../../device/documents/places.js';
import { isBoothError } from '../../../protocol/errors.js';

const A4 = { x: 0, y: 0, width: 595, height: 842 };
const place = (over: Partial<Place> = {}): Place => ({
  page: 1,
  x: 10,
  y: 10,
  width: 100,
  height: 40,
  seat: 'A',
  kind: 'signature',
  ...over,
});

function thrown(fn: () => unknown): Error & { code?: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('parsePlaces', () => {
  it('reads a version-1 places file', () => {
    const places = parsePlaces(JSON.stringify({ version: 1, places: [place({ id: 'p1' })] }));
    expect(places).toEqual([place({ id: 'p1' })]);
  });

  it('names each bad field and uses the places error code', () => {
    const err = thrown(() =>
      parsePlaces({
        version: 1,
        places: [
          { ...place(), kind: 'stamp', width: 0 },
          { ...place(), seat: 'bad seat' },
        ],
      }),
    );
    expect(isBoothError(err, 'BOOTH_ERR_PDF_PLACES')).toBe(true);
    expect(err.message).toContain('/places/0/kind');
    expect(err.message).toContain('/places/0/width');
    expect(err.message).toContain('/places/1/seat');
  });

  it('refuses text that is not JSON, and unknown fields', () => {
    expect(thrown(() => parsePlaces('{not json')).message).toMatch(/expected JSON/);
    expect(thrown(() => parsePlaces({ version: 1, places: [{ ...place(), colour: 'red' }] })).message).toContain(
      '/places/0/colour',
    );
    expect(thrown(() => parsePlaces({ version: 2, places: [] })).message).toContain('/version');
  });
});

describe('checkPlacesFit', () => {
  it('accepts places inside their pages, including one touching the edge', () => {
    expect(() => checkPlacesFit([place(), place({ x: 495, y: 802, width: 100, height: 40 })], [A4])).not.toThrow();
  });

  it('names an unknown page and a rectangle off the page, all in one error', () => {
    const err = thrown(() =>
      checkPlacesFit([place({ id: 'last-page', page: 3 }), place({ id: 'too-wide', x: 500, width: 200 })], [A4, A4]),
    );
    expect(isBoothError(err, 'BOOTH_ERR_PDF_PLACES')).toBe(true);
    expect(err.message).toContain('place last-page: page 3 does not exist (the document has 2 pages)');
    expect(err.message).toContain('place too-wide: rectangle [500, 10, 200 x 40] is not inside page 1');
    expect((err.details?.problems as string[]).length).toBe(2);
  });

  it('checks against the page box origin (a CropBox need not start at 0,0)', () => {
    const cropped = { x: 100, y: 100, width: 300, height: 300 };
    expect(() => checkPlacesFit([place({ x: 150, y: 150 })], [cropped])).not.toThrow();
    expect(() => checkPlacesFit([place({ x: 50, y: 150 })], [cropped])).toThrow(/not inside page 1/);
  });

  it('refuses an empty rectangle from a form field', () => {
    expect(() => checkPlacesFit([place({ width: 0 })], [A4])).toThrow(/positive width and height/);
  });
});

describe('placesOfSeat', () => {
  it('keeps one seat, in page order', () => {
    const all = [place({ page: 3 }), place({ seat: 'B' }), place({ page: 1, kind: 'name' }), place({ page: 2 })];
    expect(placesOfSeat(all, 'A').map((p) => p.page)).toEqual([1, 2, 3]);
    expect(placesOfSeat(all, 'C')).toEqual([]);
  });
});
