/**
 * PostgreSQL text and jsonb cannot hold U+0000 (jsonb answers "unsupported Unicode escape
 * sequence"), yet booths send free text: a signed record may carry one (a dissent reason typed
 * through the kiosk API of an older booth, a field a newer booth adds), and a failed insert would
 * hold back every later record of that booth for good. Text from booths is stored with each NUL
 * replaced by U+FFFD; a record's exact payload is kept apart as JSON text, where the escape is six
 * plain characters (records.payload_exact), so its hash and signature can be checked again.
 */
export const NUL_STAND_IN = '\uFFFD';

export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

/** The value as PostgreSQL can store it: unchanged (the same object) unless it holds a NUL. */
export function storable<T>(value: T): T {
  return containsNul(value) ? (replaceNul(value) as T) : value;
}

/** A JSON parameter for a json/jsonb cast, NUL-free. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(storable(value));
}

function replaceNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', NUL_STAND_IN);
  if (Array.isArray(value)) return value.map(replaceNul);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceNul(k), replaceNul(v)]));
  return value;
}
