import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isIP } from 'node:net';
import { BoothError } from './errors.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * What every HTTP listener of the booth (kiosk API, sync pull API) does with client input
 * before a route runs (docs/operations.md, "HTTP hardening"):
 * - bodies are validated without type coercion ("1234" is not 1234, true is not "true") and
 *   with unknown fields refused, not silently dropped (fastify's defaults do both);
 * - JSON nested deeper than MAX_JSON_DEPTH is refused before it is parsed, so no recursive code
 *   (the parser's prototype scan, ajv, a canonical encoder) ever sees it;
 * - a route that takes no body refuses one.
 */
export const MAX_JSON_DEPTH = 32;

const ajvOptions = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const;
// Bodies are JSON: their types are what the client sent.
const bodyAjv = addFormats(new Ajv({ ...ajvOptions, coerceTypes: false }));
// Querystring and path parameters arrive as text: "?limit=5" must still be the integer 5.
const urlAjv = addFormats(new Ajv({ ...ajvOptions, coerceTypes: true }));

export const strictValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  // A schema with an $id (the unlock command) compiles once per ajv: a second app reuses it.
  const id = (schema as { $id?: unknown }).$id;
  const known = typeof id === 'string' ? ajv.getSchema(id) : undefined;
  return known ?? ajv.compile(schema as object);
};

/**
 * True when `text` (JSON) nests arrays/objects deeper than `max`. One pass over the characters,
 * brackets inside strings ignored; no recursion, so it cannot itself overflow the stack.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Replaces the JSON parser of `app` with fastify's own (prototype poisoning refused) behind the depth check. */
export function installStrictJson(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text, maxDepth)) {
      done(
        new BoothError('BOOTH_ERR_BODY_TOO_DEEP', `JSON nested deeper than ${maxDepth} levels`, { maxDepth }),
        undefined,
      );
      return;
    }
    void parse(req, text, done);
  });
}

/** onRequest hook of a route that takes no body: any body (announced by its headers) is refused unread. */
export async function refuseBody(req: FastifyRequest): Promise<void> {
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined)
    throw new BoothError('BOOTH_ERR_BODY_NOT_ALLOWED', `${req.method} ${req.routeOptions.url ?? ''} takes no body`);
}

/** Names that always reach this machine only. */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The host name of a Host header or URL authority, without port or IPv6 brackets; null when malformed. */
export function hostName(authority: string): string | null {
  try {
    const u = new URL(`http://${authority}`);
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
    return u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Host and Origin checks against DNS rebinding and cross-site requests: a page on evil.example
 * whose name resolves to 127.0.0.1 sends `Host: evil.example` (refused, 421); a page that posts
 * to http://127.0.0.1 from elsewhere sends its own Origin (refused, 403). `allowed` are extra
 * names besides loopback (http.allowedHosts).
 */
export function hostGuard(allowed: readonly string[]): (req: FastifyRequest) => Promise<void> {
  const names = new Set([...LOOPBACK_NAMES, ...allowed].map((n) => n.toLowerCase()));
  const ok = (name: string | null) => name !== null && (names.has(name) || isLoopbackHost(name));
  return async (req) => {
    const host = req.headers.host;
    if (!host || !ok(hostName(host)))
      throw new BoothError('BOOTH_ERR_HOST_REFUSED', 'this service answers only to its own host names', {
        allowed: [...names],
      });
    const origin = req.headers.origin;
    if (origin === undefined) return;
    let originHost: string | null = null;
    try {
      const u = new URL(origin);
      if (u.protocol === 'http:' || u.protocol === 'https:') originHost = u.hostname.replace(/^\[|\]$/g, '');
    } catch {
      originHost = null; // "null" (sandboxed frames, file:) and garbage alike
    }
    if (!ok(originHost)) throw new BoothError('BOOTH_ERR_ORIGIN_REFUSED', 'cross-origin requests are refused');
  };
}

/**
 * Headers on every answer: the kiosk page may not be framed (clickjacking) and loads only its
 * own scripts, styles, images and font.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    // Set before the route runs: hijacked replies (server-sent events) write their own head.
    void reply.headers(SECURITY_HEADERS);
  });
}
