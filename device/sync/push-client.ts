import { request, Agent } from 'node:https';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import {
  BlobStatusSchema,
  PushResponseSchema,
  type BlobStatus,
  type PushResponse,
  type SignedBatch,
} from '../../protocol/sync/schemas.js';
import type { SyncTls } from './tls.js';

const validateResponse = compileValidator(PushResponseSchema);
const validateBlobStatus = compileValidator(BlobStatusSchema);

/**
 * HTTPS requests with mutual TLS to the central server's push endpoints: the batch, and the
 * blob status and pieces of the sealed revisions the batch's sign records name. The central
 * server's certificate must come from the pinned CA. Any failure (refused, reset, timeout, an
 * unexpected status, an answer that does not match the schema) is a BOOTH_ERR_SYNC_FAILED; the
 * caller backs off. Blob routes live on the same origin as the push URL.
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

  async push(batch: SignedBatch): Promise<PushResponse> {
    const body = Buffer.from(JSON.stringify(batch));
    const res = await this.send('POST', this.url, body, 'application/json');
    return this.parse(res, 'central push response', (v) => validateResponse.parse(v, 'central push response'));
  }

  /** How much of a blob the central server holds (where an upload resumes). */
  async blobStatus(id: string): Promise<BlobStatus> {
    const url = new URL(SYNC_ROUTES.blobStatus.url.replace(':id', id), this.url);
    const res = await this.send('GET', url, null, null);
    return this.parse(res, 'blob status', (v) => validateBlobStatus.parse(v, 'central blob status'));
  }

  /**
   * One piece of a blob at `offset` of `size` bytes. A 409 (the central server holds another
   * amount, e.g. a piece it stored before the connection broke) answers where to resume.
   */
  async putBlobPiece(id: string, offset: number, size: number, piece: Buffer): Promise<BlobStatus> {
    const url = new URL(SYNC_ROUTES.blobUpload.url.replace(':id', id), this.url);
    url.search = new URLSearchParams({ offset: String(offset), size: String(size) }).toString();
    const res = await this.send('PUT', url, piece, 'application/octet-stream');
    if (res.status === 409) {
      const received = (safeJson(res.text) as { details?: { received?: unknown } } | null)?.details?.received;
      if (typeof received === 'number' && Number.isInteger(received) && received >= 0)
        return { id, received, complete: false };
    }
    return this.parse(res, 'blob piece', (v) => validateBlobStatus.parse(v, 'central blob status'));
  }

  private parse<T>(res: { status: number; text: string; url: URL }, what: string, validate: (v: unknown) => T): T {
    if (res.status !== 200)
      throw new BoothError(
        'BOOTH_ERR_SYNC_FAILED',
        `${what} from ${res.url.origin}: HTTP ${res.status}: ${res.text.slice(0, 200)}`,
        { status: res.status },
      );
    try {
      return validate(JSON.parse(res.text));
    } catch (err) {
      throw new BoothError(
        'BOOTH_ERR_SYNC_FAILED',
        `${what} from ${res.url.origin}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private send(
    method: string,
    url: URL,
    body: Buffer | null,
    contentType: string | null,
  ): Promise<{ status: number; text: string; url: URL }> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) =>
        reject(new BoothError('BOOTH_ERR_SYNC_FAILED', `${method} ${url.pathname} at ${url.origin}: ${why}`));
      const headers: Record<string, string | number> = {};
      if (body) headers['content-length'] = body.length;
      if (contentType) headers['content-type'] = contentType;
      const req = request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(err.message));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), url }),
        );
        res.on('aborted', () => fail('connection closed mid-response'));
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => fail(err.message));
      req.end(body ?? undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
