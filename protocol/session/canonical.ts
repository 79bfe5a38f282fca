import { BoothError } from '../errors.js';

/**
 * The canonical serialisation the central server signs (docs/protocol.md, "Canonical form"):
 * JSON with no whitespace, object members sorted by key (UTF-16 code units, as
 * Array.prototype.sort compares strings), strings escaped as JSON.stringify does, numbers only
 * as safe integers in plain decimal. It equals RFC 8785 (JCS) for such values. Anything else
 * (a fraction, NaN, undefined inside an array, a function) is refused rather than guessed.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw notCanonical(`number ${String(value)} is not a safe integer`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw notCanonical(`a ${typeof value} has no canonical form`);
}

function notCanonical(message: string): BoothError {
  return new BoothError('BOOTH_ERR_BAD_INPUT', `canonical JSON: ${message}`);
}

/**
 * The same bytes as canonicalJson, handed to `write` piece by piece: a package of tens of
 * megabytes is signed or verified without ever building it as one string (nested template
 * strings of large values were flattened again at every level: hundreds of megabytes).
 */
export function writeCanonical(value: unknown, write: (piece: string) => void): void {
  if (value === null || typeof value !== 'object') {
    write(canonicalJson(value));
    return;
  }
  if (Array.isArray(value)) {
    write('[');
    value.forEach((v: unknown, i) => {
      if (i > 0) write(',');
      writeCanonical(v, write);
    });
    write(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  write('{');
  keys.forEach((k, i) => {
    write(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
    writeCanonical(obj[k], write);
  });
  write('}');
}

/** What a central signature is over; each kind signs with its own context line. */
export type SigningContext = 'package' | 'unlock' | 'revoke' | 'key-rotation';

/** Domain-separated bytes to sign: a package signature can never pass as a command's, nor one command as another. */
export function signingBytes(context: SigningContext, document: Record<string, unknown>): Buffer {
  const { signature: _ignored, ...rest } = document;
  return Buffer.from(`booth-session/1 ${context}\n${canonicalJson(rest)}`, 'utf8');
}

/** signingBytes written piece by piece into `update` (a hash, a Sign or a Verify), in pieces of about 64 KB. */
export function writeSigningBytes(
  context: SigningContext,
  document: Record<string, unknown>,
  update: (piece: Buffer) => void,
): void {
  const { signature: _ignored, ...rest } = document;
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (pending.length) update(Buffer.from(pending.join(''), 'utf8'));
    pending = [];
    size = 0;
  };
  const write = (piece: string) => {
    if (piece.length >= 65_536) {
      flush();
      update(Buffer.from(piece, 'utf8'));
      return;
    }
    pending.push(piece);
    size += piece.length;
    if (size >= 65_536) flush();
  };
  write(`booth-session/1 ${context}\n`);
  writeCanonical(rest, write);
  flush();
}
