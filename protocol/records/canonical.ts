import { BoothError } from '../errors.js';

/**
 * Canonical JSON: object keys sorted, no whitespace. Hashes and signatures are computed over
 * these bytes, so the booth and the central server agree on them whatever order a payload's
 * keys were built in. Values JSON cannot carry faithfully (undefined, NaN, functions, bigint)
 * are refused instead of silently changed.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new BoothError('BOOTH_ERR_BAD_INPUT', `${path || '/'}: expected a finite number, got ${value}`);
      return JSON.stringify(value);
    case 'object': {
      // Plain loops: this runs for every record hashed (commit, verification), so it stays lean.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++)
          out += (i ? ',' : '') + encode(value[i], path ? `${path}/${i}` : `/${i}`);
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + encode(v, `${path}/${k}`);
        first = false;
      }
      return out + '}';
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new BoothError('BOOTH_ERR_BAD_INPUT', `${path || '/'}: expected JSON data, got a ${typeof value}`);
}
