import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BoothError, isBoothError } from './errors.js';

/**
 * The one place errors become HTTP responses: a BoothError keeps its code, status and message
 * key; fastify's own validation errors become BOOTH_ERR_UNKNOWN_FIELD (a field the schema does
 * not declare) or BOOTH_ERR_BAD_INPUT, a body above the limit BOOTH_ERR_PAYLOAD_TOO_LARGE (413),
 * an unknown content type BOOTH_ERR_MEDIA_TYPE (415); anything else is a 500 whose internals
 * stay in the log. No answer carries a file system path: a message that names one (an ENOENT or
 * ENOSPC passed along in a coded error) has it replaced by `<path>`.
 */
export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const e = toHttpError(err, request);
  if (e.statusCode >= 500 && e.code !== 'BOOTH_ERR_INTERNAL') request.log.warn({ code: e.code }, e.message);
  const message = e.statusCode >= 500 ? e.message.replace(PATH, '<path>') : redactPaths(e.message);
  const body: Record<string, unknown> = { code: e.code, messageKey: e.messageKey, message };
  if (e.statusCode < 500 && Object.keys(e.details).length > 0) body.details = withoutPaths(e.details);
  // A refusal that ends by itself (a PIN lockout) says when, as HTTP clients expect it.
  if (typeof e.details.retryAfterS === 'number') void reply.header('retry-after', String(e.details.retryAfterS));
  void reply.status(e.statusCode).send(body);
}

function toHttpError(err: FastifyError | Error, request: FastifyRequest): BoothError {
  if (isBoothError(err)) return err;
  if ('validation' in err && err.validation) {
    const context = (err as FastifyError).validationContext;
    const unknown = err.validation.find((v) => v.keyword === 'additionalProperties');
    if (unknown) {
      const field = `${unknown.instancePath}/${String((unknown.params as { additionalProperty?: unknown }).additionalProperty)}`;
      return new BoothError('BOOTH_ERR_UNKNOWN_FIELD', `${context ?? 'input'} has an unknown field ${field}`, {
        context,
        field,
      });
    }
    return new BoothError('BOOTH_ERR_BAD_INPUT', err.message, { context });
  }
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  // fastify's FST_ERR_CTP_BODY_TOO_LARGE (a body above the route's bodyLimit): 413, coded.
  if (status === 413) return new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', err.message);
  if (status === 415) return new BoothError('BOOTH_ERR_MEDIA_TYPE', err.message);
  if (status === 404) return new BoothError('BOOTH_ERR_NOT_FOUND', err.message);
  if (status < 500) return new BoothError('BOOTH_ERR_BAD_INPUT', err.message);
  request.log.error({ err }, 'unhandled error');
  return new BoothError('BOOTH_ERR_INTERNAL', 'internal error');
}

// Two or more path segments ("/var/lib/booth/x", "C:\\x" is not a concern on the booth): a JSON
// pointer in a message ("/experts/0/name") looks alike, so only system error messages and 5xx
// messages are redacted.
const PATH = /(?:\/[\w.@+~-]+){2,}\/?/g;
const ERRNO = /\bE[A-Z]{2,}\b/;

/** A message naming a system error (ENOENT, ENOSPC...) loses its paths. */
export function redactPaths(message: string): string {
  return ERRNO.test(message) ? message.replace(PATH, '<path>') : message;
}

/** Details keyed as a location (path, file, dir) with an absolute path value are not sent. */
function withoutPaths(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    if (/path|file|dir/i.test(k) && typeof v === 'string' && v.startsWith('/')) continue;
    out[k] = typeof v === 'string' ? redactPaths(v) : v;
  }
  return out;
}
