import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { TObject, TSchema } from '@sinclair/typebox';
import { CsvError, decodeUtf8, parseCsv } from './csv.js';
import { PlanProblems, type RowLocator } from './problems.js';
import { PLAN_TABLES, rowSchema, type PlanTable } from './schema.js';

/**
 * Reads a plan from where the operator put it: a folder of CSV files (one per table) or one JSON
 * document, both into the same shape (schema.ts), with a locator that turns "table, index" back
 * into "file, row" for messages. Nothing is checked here but what only the source knows: files
 * missing, not UTF-8, not CSV or not JSON, unknown or missing columns.
 */
export interface PlanSource {
  kind: 'csv' | 'json';
  /** The path given. */
  path: string;
  /** Folder that photos/ and pdfs/ are under. */
  baseDir: string;
  raw: unknown;
  problems: PlanProblems;
}

export async function readPlanSource(path: string): Promise<PlanSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const problems = new PlanProblems(jsonLocator(basename(path)));
    problems.file(basename(path), `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return { kind: 'json', path, baseDir: dirname(path), raw: null, problems };
  }
  return isDir ? readCsvFolder(path) : readJsonDocument(path);
}

function jsonLocator(file: string): RowLocator {
  return {
    file: (table) => `${file} ${table}`,
    at: (table, index) => ({ file, row: index, label: `${file} ${table}[${index}]` }),
  };
}

async function readJsonDocument(path: string): Promise<PlanSource> {
  const file = basename(path);
  const problems = new PlanProblems(jsonLocator(file));
  let raw: unknown = null;
  try {
    raw = JSON.parse(decodeUtf8(await readFile(path))) as unknown;
  } catch (err) {
    problems.file(
      file,
      err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot read (${String(err)})`,
    );
  }
  return { kind: 'json', path, baseDir: dirname(path), raw, problems };
}

/** A CSV cell as the field's type: integers for integer fields, `;`-separated lists for arrays. */
function cellValue(schema: TSchema, cell: string): unknown {
  if (schema.type === 'integer') return /^[+-]?\d{1,15}$/.test(cell) ? Number(cell) : cell;
  if (schema.type === 'array')
    return cell
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return cell;
}

async function readCsvFolder(dir: string): Promise<PlanSource> {
  const rowNumbers = new Map<string, number[]>();
  const locator: RowLocator = {
    file: (table) => `${table}.csv`,
    at: (table, index) => {
      const row = rowNumbers.get(table)?.[index] ?? index + 2;
      return { file: `${table}.csv`, row, label: `${table}.csv row ${row}` };
    },
  };
  const problems = new PlanProblems(locator);
  const raw: Record<string, unknown> = {};
  for (const { table, required } of PLAN_TABLES) {
    const file = `${table}.csv`;
    let text: string;
    try {
      text = decodeUtf8(await readFile(join(dir, file)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        if (required) problems.file(file, 'missing (every plan folder has it, with its header row)');
        continue;
      }
      problems.file(
        file,
        err instanceof TypeError ? 'not UTF-8 text (save it as "CSV UTF-8")' : `cannot read (${code ?? String(err)})`,
      );
      continue;
    }
    const rows = csvRows(file, text, problems);
    if (!rows) continue;
    const [header, ...data] = rows;
    const items = readTable(table, file, header?.cells ?? [], data, problems);
    if (!items) continue;
    rowNumbers.set(
      table,
      data.map((r) => r.row),
    );
    raw[table] = items;
  }
  return { kind: 'csv', path: dir, baseDir: dir, raw, problems };
}

function csvRows(file: string, text: string, problems: PlanProblems) {
  try {
    return parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) problems.file(`${file}`, `row ${err.row}: ${err.message}`);
    else throw err;
    return null;
  }
}

function readTable(
  table: PlanTable,
  file: string,
  header: string[],
  data: { row: number; cells: string[] }[],
  problems: PlanProblems,
): Record<string, unknown>[] | null {
  const schema: TObject = rowSchema(table);
  const fields = Object.keys(schema.properties);
  const required = new Set(schema.required ?? []);
  const columns = header.map((h) => h.trim().toLowerCase());
  let ok = true;
  for (const c of columns)
    if (!fields.includes(c)) {
      problems.file(file, `unknown column "${c}" (the columns are ${fields.join(', ')})`);
      ok = false;
    }
  for (const f of fields)
    if (required.has(f) && !columns.includes(f)) {
      problems.file(file, `missing column "${f}" (the columns are ${fields.join(', ')})`);
      ok = false;
    }
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup) {
    problems.file(file, `column "${dup}" appears twice`);
    ok = false;
  }
  if (!ok) return null;
  return data.map(({ row, cells }) => {
    if (cells.length > columns.length)
      problems.file(file, `row ${row}: ${cells.length} cells, the header has ${columns.length} columns`);
    const item: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const cell = cells[i] ?? '';
      if (cell === '' && !required.has(c)) return;
      item[c] = cellValue(schema.properties[c] as TSchema, cell);
    });
    return item;
  });
}

/**
 * A file a plan names: a data: URI (bytes inline), or a name under `<baseDir>/<folder>/`. A name
 * that would leave that folder (`..`, absolute) is refused: a plan cannot make the central
 * server read its keys.
 */
export async function loadPlanFile(
  baseDir: string,
  folder: 'photos' | 'pdfs',
  ref: string,
): Promise<{ ok: true; bytes: Buffer; name: string } | { ok: false; why: string }> {
  const data = /^data:([a-z]+\/[a-z.+-]+);base64,(.*)$/s.exec(ref);
  if (data) return { ok: true, bytes: Buffer.from(data[2] ?? '', 'base64'), name: `inline ${data[1] ?? ''}` };
  const rel = normalize(ref);
  if (isAbsolute(ref) || rel.split(/[\\/]/).includes('..') || rel.startsWith(`..${sep}`))
    return { ok: false, why: `"${ref}": expected a name under ${folder}/ (no "..", not absolute)` };
  const name = `${folder}/${rel}`;
  try {
    return { ok: true, bytes: await readFile(join(baseDir, folder, rel)), name };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      why: `${name}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`}`,
    };
  }
}
