import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import sharp from 'sharp';
import { isBoothError } from '../../protocol/errors.js';
import { placeMisfit, readPdfLayout, type PageBox } from '../../protocol/pdf/layout.js';
import type { SignaturePlace } from '../../protocol/session/schema.js';
import { compileValidator } from '../../protocol/validate.js';
import type { PlanProblems } from './problems.js';
import { loadPlanFile } from './source.js';
import type { CheckedPlan } from './validate.js';
import type { Static } from '@sinclair/typebox';

/**
 * The files a plan names, checked as the booth will use them: reference photos must be JPEGs
 * that decode (the booth's face engine takes JPEG), PDFs must load as the booth loads them, and
 * every seat on a project's committee must have at least one place on every document of that
 * project, inside a page. A document that would fail at sealing (after the expert verified and
 * signed) fails here instead, before anything is published.
 *
 * PDFs are read one at a time and not kept: the store phase reads them again (and checks that
 * the bytes are still the ones checked) into the blob files, so a day of large reports never
 * sits in memory at once.
 */
export type PackagePlace = Static<typeof SignaturePlace>;
export type PlacesSource = 'file' | 'csv' | 'form';

export interface CheckedDocument {
  sha256: string;
  size: number;
  places: PackagePlace[];
  placesSource: PlacesSource;
}

export interface PlanAssets {
  photos: Map<string, { sha256: string; jpeg: Buffer }[]>;
  /** By `<project>\0<document>`. */
  documents: Map<string, CheckedDocument>;
}

/** What a photo may weigh: its base64 must fit the package's matching part (2,000,000 characters). */
const MAX_PHOTO_BYTES = 1_500_000;
const MAX_PDF_BYTES = 200 * 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function jpegProblem(bytes: Buffer): Promise<string | null> {
  if (bytes.length > MAX_PHOTO_BYTES) return `${bytes.length} bytes; a reference photo is at most ${MAX_PHOTO_BYTES}`;
  try {
    const meta = await sharp(bytes).metadata();
    if (meta.format !== 'jpeg') return `is a ${meta.format ?? 'unknown'} image, not a JPEG`;
    await sharp(bytes, { failOn: 'truncated' }).raw().toBuffer();
    return null;
  } catch (err) {
    return `is not a JPEG that decodes (${(err as Error).message})`;
  }
}

async function checkPhotos(plan: CheckedPlan, baseDir: string, problems: PlanProblems): Promise<PlanAssets['photos']> {
  const out: PlanAssets['photos'] = new Map();
  for (const e of plan.experts) {
    const photos: { sha256: string; jpeg: Buffer }[] = [];
    for (const [i, ref] of e.v.photos.entries()) {
      const loaded = await loadPlanFile(baseDir, 'photos', ref);
      const label = e.v.photos.length > 1 ? `photo ${i + 1}: ` : '';
      if (!loaded.ok) {
        problems.row('experts', e.index, 'photos', `${label}${loaded.why}`);
        continue;
      }
      const why = await jpegProblem(loaded.bytes);
      if (why) problems.row('experts', e.index, 'photos', `${label}${loaded.name} ${why}`);
      else if (!photos.some((p) => p.sha256 === sha256(loaded.bytes)))
        photos.push({ sha256: sha256(loaded.bytes), jpeg: loaded.bytes });
    }
    out.set(e.v.id, photos);
  }
  return out;
}

/** A PLACES.json file as the booth's documents feature reads it (docs/documents.md). */
const PlacesFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    places: Type.Array(
      Type.Object(
        {
          id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          page: Type.Integer({ minimum: 1 }),
          x: Type.Number(),
          y: Type.Number(),
          width: Type.Number({ exclusiveMinimum: 0 }),
          height: Type.Number({ exclusiveMinimum: 0 }),
          seat: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
          kind: Type.Union([Type.Literal('signature'), Type.Literal('name'), Type.Literal('date')]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
  },
  { additionalProperties: false },
);
const placesFile = compileValidator(PlacesFileSchema);

interface RawPlace {
  name: string;
  /** A row of places.csv: its problems are reported there. */
  row?: number;
  seat: string;
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Packages carry whole PDF points: a box is rounded inward (a place drawn at 300.4 starts at
 * 301), so it never grows past the page or the box the template drew.
 */
function inward(p: RawPlace): Omit<PackagePlace, 'seat'> {
  const x = Math.ceil(p.x - 1e-6);
  const y = Math.ceil(p.y - 1e-6);
  return {
    page: p.page,
    x,
    y,
    width: Math.floor(p.x + p.width + 1e-6) - x,
    height: Math.floor(p.y + p.height + 1e-6) - y,
  };
}

async function rawPlaces(
  d: CheckedPlan['documents'][number],
  plan: CheckedPlan,
  form: RawPlace[],
  baseDir: string,
  problems: PlanProblems,
): Promise<{ places: RawPlace[]; source: PlacesSource } | null> {
  if (d.v.places !== undefined) {
    const loaded = await loadPlanFile(baseDir, 'pdfs', d.v.places);
    if (!loaded.ok) {
      problems.row('documents', d.index, 'places', loaded.why);
      return null;
    }
    let json: unknown;
    try {
      json = JSON.parse(loaded.bytes.toString('utf8'));
    } catch (err) {
      problems.row('documents', d.index, 'places', `${loaded.name}: not valid JSON (${(err as Error).message})`);
      return null;
    }
    const check = placesFile.check(json);
    if (!check.ok) {
      for (const p of check.problems.slice(0, 10))
        problems.row('documents', d.index, 'places', `${loaded.name} ${p.field}: expected ${p.expected}`);
      return null;
    }
    const parsed = json as Static<typeof PlacesFileSchema>;
    const ignored = parsed.places.filter((p) => p.kind !== 'signature').length;
    if (ignored)
      problems.warn(
        `${problems.label('documents', d.index)}: ${ignored} name/date places of ${loaded.name} are not published (packages carry signature places)`,
      );
    return {
      source: 'file',
      places: parsed.places
        .filter((p) => p.kind === 'signature')
        .map((p, i) => ({ ...p, name: `${loaded.name} place ${p.id ?? `#${i + 1}`}` })),
    };
  }
  const rows = plan.places.filter((p) => p.v.project === d.v.project && p.v.document === d.v.id);
  if (rows.length > 0)
    return {
      source: 'csv',
      places: rows.map((r) => ({
        ...r.v,
        seat: String(r.v.seat),
        name: problems.label('places', r.index),
        row: r.index,
      })),
    };
  return { source: 'form', places: form };
}

async function checkDocument(
  d: CheckedPlan['documents'][number],
  plan: CheckedPlan,
  baseDir: string,
  problems: PlanProblems,
): Promise<CheckedDocument | null> {
  const loaded = await loadPlanFile(baseDir, 'pdfs', d.v.file);
  if (!loaded.ok) {
    problems.row('documents', d.index, 'file', loaded.why);
    return null;
  }
  if (loaded.bytes.length > MAX_PDF_BYTES) {
    problems.row(
      'documents',
      d.index,
      'file',
      `${loaded.name}: ${loaded.bytes.length} bytes, at most ${MAX_PDF_BYTES}`,
    );
    return null;
  }
  let pages: PageBox[];
  let form: RawPlace[];
  try {
    const layout = await readPdfLayout(loaded.bytes);
    pages = layout.pages;
    form = layout.signatureFields.map((f) => ({ ...f, name: `form field ${f.name} on page ${f.page}` }));
  } catch (err) {
    if (!isBoothError(err)) throw err;
    problems.row('documents', d.index, 'file', `${loaded.name} is not a PDF the booth can sign: ${err.message}`);
    return null;
  }
  const got = await rawPlaces(d, plan, form, baseDir, problems);
  if (!got) return null;
  const field = got.source === 'csv' ? null : got.source === 'file' ? 'places' : 'file';
  const places: PackagePlace[] = [];
  let bad = 0;
  for (const p of got.places) {
    const seat = /^[1-9]\d?$/.test(p.seat) ? Number(p.seat) : null;
    const misfit = placeMisfit(p, pages);
    const box = inward(p);
    const why: [string, string] | null =
      seat === null
        ? ['seat', `seat "${p.seat}" is not a committee seat 1-99`]
        : misfit
          ? [pages[p.page - 1] ? 'x' : 'page', misfit]
          : box.width < 10 || box.height < 5
            ? ['width', 'the box is smaller than 10 x 5 points']
            : null;
    if (!why) {
      places.push({ seat: seat ?? 0, ...box });
      continue;
    }
    if (p.row !== undefined) problems.row('places', p.row, why[0], `${d.v.project}/${d.v.id}: ${why[1]}`);
    else if (bad < 10) problems.row('documents', d.index, field, `${p.name}: ${why[1]}`);
    bad++;
  }
  if (bad > 10 && got.source !== 'csv')
    problems.row('documents', d.index, field, `... and ${bad - 10} more places that do not fit`);
  if (places.length > 10_000) problems.row('documents', d.index, field, `${places.length} places, at most 10000`);
  const seats = new Set(places.map((p) => p.seat));
  for (const a of plan.assignments)
    if (a.v.project === d.v.project && !seats.has(a.v.seat) && bad === 0)
      problems.row(
        'documents',
        d.index,
        field,
        `no place for seat ${a.v.seat} (${problems.label('assignments', a.index)}) in ${
          got.source === 'form'
            ? `the form fields sig.<seat> of ${loaded.name}`
            : got.source === 'file'
              ? d.v.places
              : problems.table('places')
        }`,
      );
  return { sha256: sha256(loaded.bytes), size: loaded.bytes.length, places, placesSource: got.source };
}

export async function checkAssets(plan: CheckedPlan, baseDir: string, problems: PlanProblems): Promise<PlanAssets> {
  const photos = await checkPhotos(plan, baseDir, problems);
  const documents: PlanAssets['documents'] = new Map();
  for (const d of plan.documents) {
    const checked = await checkDocument(d, plan, baseDir, problems);
    if (checked) documents.set(`${d.v.project}\u0000${d.v.id}`, checked);
  }
  return { photos, documents };
}
