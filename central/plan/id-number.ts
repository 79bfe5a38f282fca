import { normaliseIdNumber } from '../../protocol/session/hashes.js';
import { isValidDate } from './local-time.js';

/**
 * The PRC citizen ID number (公民身份号码, GB 11643-1999): 17 digits (6 region, 8 birth date,
 * 3 sequence) and a check digit 0-9 or X (ISO 7064 MOD 11-2). The same form serves the residence
 * permits of Hong Kong, Macao and Taiwan residents and, since 2023, the foreign permanent
 * resident ID card, so every expert of a draw has one.
 *
 * An error, not a warning: the number is what the equal alternative to face verification checks
 * (ID card plus staff witness, hashed into the package); a mistyped number would turn that
 * alternative away at the booth, in front of the expert. Only the form is checked; whether the
 * number is the expert's is the draw system's business.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function idNumberCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK[sum % 11] ?? '';
}

/** Null when `text` is a well-formed ID number, else what is wrong (never repeating the number). */
export function idNumberProblem(text: string): string | null {
  const n = normaliseIdNumber(text);
  if (!/^\d{17}[\dX]$/.test(n))
    return `expected an 18-character PRC ID number (17 digits and a digit or X), got ${n.length} characters`;
  const birth = `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`;
  if (!isValidDate(birth) || birth < '1900-01-01')
    return 'expected an 18-character PRC ID number: characters 7-14 are not a birth date';
  if (idNumberCheckDigit(n) !== n[17])
    return 'expected an 18-character PRC ID number: the check digit (GB 11643) does not match; mistyped?';
  return null;
}
