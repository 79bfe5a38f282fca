/**
 * Reads PDF string objects from raw file text (latin1): literal `( ... )` with escapes and
 * balanced parentheses, or hex `<...>`. Text strings with a UTF-16BE byte order mark decode as
 * such, others as Latin-1 (close enough to PDFDocEncoding for names, reasons and dates).
 */
const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };

function literalBytes(text: string, start: number): number[] {
  const out: number[] = [];
  let depth = 1;
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\\') {
      const next = text[i + 1] ?? '';
      if (next in ESCAPES) {
        out.push(ESCAPES[next] ?? 0);
        i++;
      } else if (/[0-7]/.test(next)) {
        const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))?.[0] ?? '0';
        out.push(Number.parseInt(oct, 8) & 0xff);
        i += oct.length;
      } else if (next === '\r' || next === '\n') {
        i += next === '\r' && text[i + 2] === '\n' ? 2 : 1;
      }
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')' && --depth === 0) break;
    out.push(ch.charCodeAt(0) & 0xff);
  }
  return out;
}

export function decodeTextBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const be = Buffer.from(bytes.subarray(2));
    // swap to little-endian for Node's utf16le decoder
    for (let i = 0; i + 1 < be.length; i += 2) {
      const a = be[i] ?? 0;
      be[i] = be[i + 1] ?? 0;
      be[i + 1] = a;
    }
    return be.toString('utf16le');
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return Buffer.from(bytes.subarray(3)).toString('utf8');
  return Buffer.from(bytes).toString('latin1');
}

/** The string value of `/Key` in a dictionary's text, or undefined. */
export function dictString(dictText: string, key: string): string | undefined {
  const m = new RegExp(`/${key}\\s*([(<])`).exec(dictText);
  if (!m) return undefined;
  const at = m.index + m[0].length - 1;
  if (m[1] === '(') return decodeTextBytes(Uint8Array.from(literalBytes(dictText, at)));
  const end = dictText.indexOf('>', at);
  const hex = dictText.slice(at + 1, end).replace(/\s+/g, '');
  return decodeTextBytes(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
}

export function dictName(dictText: string, key: string): string | undefined {
  return new RegExp(`/${key}\\s*/([^\\s/<>\\[\\]()]+)`).exec(dictText)?.[1];
}

/** PDF date "D:YYYYMMDDHHmmSS+08'00'" as ISO 8601, or the raw text when it does not parse. */
export function pdfDateToIso(date: string): string {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(date);
  if (!m) return date;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  const zone = !sign || sign === 'Z' || sign === 'z' ? 'Z' : `${sign}${oh}:${om}`;
  const parsed = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  return Number.isNaN(parsed.getTime()) ? date : parsed.toISOString();
}
