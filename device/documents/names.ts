import { BoothError } from '../../protocol/errors.js';

/**
 * An expert's name as printed on a stamp, in the seal's /Name and /Reason and on the completion
 * page: trimmed, not blank, and one line of visible text. A name of spaces stamped nothing
 * readable; a newline printed as a box; bidirectional overrides could make a printed name read
 * differently from the one sealed.
 */
export const NAME_MAX_LENGTH = 64;
// C0/C1 controls (newline, tab, NUL ...), line and paragraph separators, bidi embeddings,
// overrides and isolates.
const NOT_IN_A_NAME = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export function expertName(raw: string, what = 'name'): string {
  const name = raw.trim();
  if (name.length === 0)
    throw new BoothError(
      'BOOTH_ERR_NAME_INVALID',
      `${what}: expected a name, got ${raw.length ? 'only spaces' : 'nothing'}`,
    );
  const bad = NOT_IN_A_NAME.exec(name);
  if (bad)
    throw new BoothError(
      'BOOTH_ERR_NAME_INVALID',
      `${what}: control or layout character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in a name`,
      { codePoint: bad[0].codePointAt(0) },
    );
  if (name.length > NAME_MAX_LENGTH)
    throw new BoothError(
      'BOOTH_ERR_NAME_INVALID',
      `${what}: expected at most ${NAME_MAX_LENGTH} characters, got ${name.length}`,
    );
  return name;
}
