import { request, Agent } from 'node:https';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';
import { PushResponseSchema, type PushResponse, type SignedBatch } from '../../protocol/sync/schemas.js';
import type { SyncTls } from './tls.js';

const validateResponse = compileValidator(PushResponseSchema);

/**
 * One HTTPS request with mutual TLS to the central server's push endpoint. The central server's
 * certificate must come from the pinned CA. Any failure (refused, reset, timeout, non-200,
 * an answer that does not match the schema) is a BOOTH_ERR_SYNC_FAILED; the caller backs off.
 */
export class PushClient {
  private readonly agent: Agent;

  constructor(
    private readonly url: URL,
    tls: SyncTls,
    private readonly timeoutMs: number,
  ) {
    // No TLS session resumption: each connection presents the booth certificate in full.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      maxCachedSessions: 0,
      key: tls.key,
      cert: tls.cert,
      ca: [tls.ca],
    });
  }

  push(batch: SignedBatch): Promise<PushResponse> {
    const body = Buffer.from(JSON.stringify(batch));
    return new Promise((resolve, reject) => {
      const fail = (why: string, status?: number) =>
        reject(new BoothError('BOOTH_ERR_SYNC_FAILED', `push to ${this.url.origin}: ${why}`, status ? { status } : {}));
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(err.message));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`, res.statusCode);
            try {
              resolve(validateResponse.parse(JSON.parse(text), 'central push response'));
            } catch (err) {
              fail(err instanceof Error ? err.message : String(err));
            }
          });
          res.on('aborted', () => fail('connection closed mid-response'));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
