import { setTimeout as sleep } from 'node:timers/promises';
import { isBoothError } from '../../protocol/errors.js';
import { ENROLL_ROUTES, type EnrollRequest } from '../../protocol/enroll.js';
import type { CentralFeature } from '../features.js';
import { enroll } from './enroll.js';
import { FailureDelay } from './failure-delay.js';

/**
 * Enrollment on the booth-facing listener: POST /enroll/v1 without a client certificate (the
 * booth has none yet; the one-time token is the credential). Token failures slow down further
 * requests from the same address (failure-delay.ts).
 */
const TOKEN_FAILURES = new Set([
  'BOOTH_ERR_ENROLL_TOKEN_UNKNOWN',
  'BOOTH_ERR_ENROLL_TOKEN_USED',
  'BOOTH_ERR_ENROLL_TOKEN_EXPIRED',
]);

export function enrollmentFeature(failures = new FailureDelay()): CentralFeature {
  const route = ENROLL_ROUTES.enroll;
  return {
    name: 'enrollment',
    boothRoutes: async (app, { ctx }) => {
      app.route({
        method: route.method,
        url: route.url,
        // Error bodies keep every field (messageKey, details): only the answer is serialised by schema.
        schema: { body: route.body, response: { 200: route.response[200] } },
        handler: async (req) => {
          const address = req.socket.remoteAddress ?? '';
          const wait = failures.delayFor(address);
          if (wait > 0) await sleep(wait);
          try {
            const answer = await enroll(ctx, req.body as EnrollRequest, { port: req.socket.localPort });
            failures.succeed(address);
            return answer;
          } catch (err) {
            if (isBoothError(err) && TOKEN_FAILURES.has(err.code)) failures.fail(address);
            throw err;
          }
        },
      });
    },
  };
}
