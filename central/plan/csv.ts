/**
 * CSV as spreadsheets write it (RFC 4180): comma-separated, fields in double quotes when they hold
 * commas, quotes ("" inside) or line breaks, CRLF or LF line ends, and the byte-order mark Excel
 * puts before UTF-8 ("CSV UTF-8"). Pure: text in, rows out. Each row keeps its spreadsheet row
 * number (the header is row 1), so an error points where the operator will look; rows whose
 * cells are all empty (what spreadsheets leave at the end) are dropped.
 */
export interface CsvRow {
  /** Spreadsheet row number: the header is row 1, the first data row is row 2. */
  row: number;
  cells: string[];
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
  }
}

/** Decodes UTF-8 strictly (a GBK/ANSI export must not turn names into mojibake) and drops a BOM. */
export function decodeUtf8(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  let row = 1;
  let rowStart = 1;
  const endCell = () => {
    cells.push(wasQuoted ? cell : cell.trim());
    cell = '';
    wasQuoted = false;
  };
  const endRow = () => {
    endCell();
    if (cells.some((c) => c !== '')) rows.push({ row: rowStart, cells });
    cells = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
      continue;
    }
    if (ch === '"') {
      if (cell.trim() !== '') throw new CsvError('a quote inside an unquoted field (quote the whole field)', rowStart);
      cell = '';
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') endCell();
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      row++;
      rowStart = row;
    } else if (wasQuoted) {
      if (ch !== ' ' && ch !== '\t') throw new CsvError('text after a closing quote', rowStart);
    } else cell += ch;
  }
  if (quoted) throw new CsvError('a quoted field is not closed', rowStart);
  endRow();
  return rows;
}
