/**
 * CSV as RFC 4180 writes it, for the centre's spreadsheets: CRLF line ends, a header row, fields
 * quoted when they contain a comma, a double quote, CR or LF (quotes doubled inside). UTF-8 with
 * a byte-order mark, because Excel on a Chinese Windows otherwise opens a BOM-less file in GBK and
 * the names come out garbled. A text cell that starts with = + - @ or a tab/CR would run as a
 * formula in Excel (CSV injection: names come from an outside system): it gets a leading
 * apostrophe, which Excel hides. Numbers, booleans and times (all written by the server) never do.
 */
export type Cell = string | number | boolean | null;

export interface Column<R> {
  name: string;
  value(row: R): Cell;
}

export const BOM = '\uFEFF';
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const s = FORMULA.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<R>(columns: readonly Column<R>[], rows: readonly R[], o: { bom?: boolean } = {}): string {
  const lines = [columns.map((c) => csvCell(c.name)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(c.value(r))).join(','));
  return `${o.bom === false ? '' : BOM}${lines.join('\r\n')}\r\n`;
}
