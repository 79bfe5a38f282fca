import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BoothError, isBoothError } from './errors.js';

/**
 * The one place errors become HTTP responses: a BoothError keeps its code, status and message
 * key; fastify's own validation errors become BOOTH_ERR_BAD_INPUT, a body above the limit
 * BOOTH_ERR_PAYLOAD_TOO_LARGE (413); anything else is a 500
 * whose internals stay in the log.
 */
export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let e: BoothError;
  if (isBoothError(err)) e = err;
  else if ('validation' in err && err.validation) {
    e = new BoothError('BOOTH_ERR_BAD_INPUT', err.message, { context: (err as FastifyError).validationContext });
  } else if ('statusCode' in err && err.statusCode === 413) {
    // fastify's FST_ERR_CTP_BODY_TOO_LARGE (a body above the route's bodyLimit): 413, coded.
    e = new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', err.message);
  } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
    e = new BoothError(err.statusCode === 404 ? 'BOOTH_ERR_NOT_FOUND' : 'BOOTH_ERR_BAD_INPUT', err.message);
  } else {
    request.log.error({ err }, 'unhandled error');
    e = new BoothError('BOOTH_ERR_INTERNAL', 'internal error');
  }
  if (e.statusCode >= 500 && e.code !== 'BOOTH_ERR_INTERNAL') request.log.warn({ code: e.code }, e.message);
  const body: Record<string, unknown> = { code: e.code, messageKey: e.messageKey, message: e.message };
  if (e.statusCode < 500 && Object.keys(e.details).length > 0) body.details = e.details;
  // A refusal that ends by itself (a PIN lockout) says when, as HTTP clients expect it.
  if (typeof e.details.retryAfterS === 'number') void reply.header('retry-after', String(e.details.retryAfterS));
  void reply.status(e.statusCode).send(body);
}
