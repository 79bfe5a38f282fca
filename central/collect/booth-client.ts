import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { expectBooth } from '../../protocol/crypto/booth-id.js';
import { BoothError } from '../../protocol/errors.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import {
  AckResponseSchema,
  SignedBatchSchema,
  type AckRequest,
  type AckResponse,
  type SignedBatch,
} from '../../protocol/sync/schemas.js';
import { compileValidator } from '../../protocol/validate.js';
import type { CentralContext } from '../context.js';

/**
 * The central side of one booth's pull API (docs/sync-api.md), over mutual TLS: the central's
 * client certificate (CN=central, from its CA, which the booth pins), and the booth recognised
 * by the id its certificate names (expectBooth), never by the host name dialled: a booth behind
 * NAT or on a new DHCP address is still that booth, and nothing else is. Bodies are bounded;
 * every answer is schema-checked before use.
 */
const validateBatch = compileValidator(SignedBatchSchema);
const validateAck = compileValidator(AckResponseSchema);

export interface PulledBatch {
  signed: SignedBatch;
  /** The certificate the booth served (its serial must be the enrolled one). */
  peer: X509Certificate;
  address: string;
}

/** Pieces written to the blob store while a download streams (bounded memory). */
const PIECE_BYTES = 4 * 1024 * 1024;

export class BoothClient {
  private readonly agent: Agent;
  /** The booth certificate of each connection, taken at the handshake (a socket may be reused or gone by the time a body is read). */
  private readonly peers = new WeakMap<object, X509Certificate>();

  constructor(
    private readonly ctx: CentralContext,
    readonly boothId: string,
    private readonly baseUrl: string,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 2,
      // A resumed TLS session carries no peer certificate, and every batch is checked against it.
      maxCachedSessions: 0,
      key: ctx.keys.client.keyPem,
      cert: ctx.keys.client.certPem,
      ca: [ctx.keys.ca.certPem],
      checkServerIdentity: expectBooth(boothId),
    });
  }

  private url(path: string): URL {
    return new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
  }

  private fail(what: string, status?: number, body?: string): BoothError {
    return new BoothError('BOOTH_ERR_SYNC_FAILED', `booth ${this.boothId} ${what}`, {
      boothId: this.boothId,
      ...(status ? { status } : {}),
      ...(body ? { answer: body.slice(0, 300) } : {}),
    });
  }

  private send(
    method: 'GET' | 'POST',
    path: string,
    o: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<IncomingMessage> {
    const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    return new Promise((resolve, reject) => {
      const req = request(
        this.url(path),
        {
          method,
          agent: this.agent,
          headers: {
            ...o.headers,
            ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
          },
        },
        resolve,
      );
      req.on('socket', (socket) => {
        const tls = socket as TLSSocket;
        const take = () => {
          const cert = tls.getPeerX509Certificate?.();
          if (cert) this.peers.set(tls, cert);
        };
        if (this.peers.has(tls)) return;
        if (tls.encrypted && !tls.connecting) take();
        else tls.once('secureConnect', take);
      });
      req.setTimeout(this.ctx.config.collect.requestTimeoutMs, () =>
        req.destroy(new Error(`no answer within ${this.ctx.config.collect.requestTimeoutMs} ms`)),
      );
      req.on('error', (err) => reject(this.fail(`${method} ${path}: ${err.message}`)));
      req.end(body);
    });
  }

  private async readJson(res: IncomingMessage, what: string): Promise<unknown> {
    const limit = this.ctx.config.collect.maxBatchBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw this.fail(`${what}: answer larger than collect.maxBatchBytes (${limit})`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode !== 200) throw this.fail(`${what}: HTTP ${res.statusCode}`, res.statusCode, text);
    try {
      return JSON.parse(text);
    } catch {
      throw this.fail(`${what}: the answer is not JSON`);
    }
  }

  /** GET /sync/v1/batches?after&limit: a batch signed by the booth, with the certificate it served. */
  async batches(after: number, limit: number): Promise<PulledBatch> {
    const res = await this.send('GET', `${SYNC_ROUTES.batches.url.slice(1)}?after=${after}&limit=${limit}`);
    const socket = res.socket as TLSSocket;
    const peer = this.peers.get(socket) ?? socket.getPeerX509Certificate?.();
    const address = socket.remoteAddress ?? '';
    const json = await this.readJson(res, 'batches');
    if (!peer) throw this.fail('batches: no server certificate');
    const signed = validateBatch.parse(json, `batch from booth ${this.boothId}`);
    return { signed, peer, address };
  }

  async ack(req: AckRequest): Promise<AckResponse> {
    const res = await this.send('POST', SYNC_ROUTES.ack.url.slice(1), { body: req });
    return validateAck.parse(await this.readJson(res, 'ack'), `ack answer from booth ${this.boothId}`);
  }

  /**
   * GET /sync/v1/blobs/:id from `offset` (Range: bytes=offset-), handing each piece to `write`
   * in order; returns the blob's whole size. A 200 answer to a range request (a server that
   * ignores Range) is skipped up to the offset.
   */
  async blob(
    id: string,
    offset: number,
    write: (offset: number, size: number, piece: Buffer) => Promise<unknown>,
  ): Promise<number> {
    const path = SYNC_ROUTES.blob.url.slice(1).replace(':id', id);
    const res = await this.send('GET', path, offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {});
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      await this.readJson(res, `blob ${id}`); // throws, with the booth's coded error
      throw this.fail(`blob ${id}: HTTP ${res.statusCode}`, res.statusCode);
    }
    const partial = res.statusCode === 206;
    const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(String(res.headers['content-range'] ?? ''));
    const length = Number(res.headers['content-length'] ?? NaN);
    const size = range ? Number(range[3]) : partial ? offset + length : length;
    const start = range ? Number(range[1]) : partial ? offset : 0;
    if (!Number.isSafeInteger(size) || size <= 0) {
      res.destroy();
      throw this.fail(`blob ${id}: the answer does not say its size`);
    }
    if (size > this.ctx.config.collect.maxBlobBytes) {
      res.destroy();
      throw this.fail(`blob ${id}: ${size} bytes, above collect.maxBlobBytes`);
    }
    if (start > offset) {
      res.destroy();
      throw this.fail(`blob ${id}: asked from ${offset}, served from ${start}`);
    }
    let pos = start;
    let at = offset;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const flush = async () => {
      if (bufferedBytes === 0) return;
      const piece = Buffer.concat(buffered);
      buffered = [];
      bufferedBytes = 0;
      await write(at, size, piece);
      at += piece.length;
    };
    try {
      for await (const raw of res) {
        let chunk = raw as Buffer;
        // Bytes before the offset (a 200 for a range request) are already held.
        if (pos < offset) {
          const skip = Math.min(chunk.length, offset - pos);
          pos += skip;
          chunk = chunk.subarray(skip);
        }
        if (chunk.length === 0) continue;
        if (pos + chunk.length > size) {
          res.destroy();
          throw this.fail(`blob ${id}: more bytes than its size ${size}`);
        }
        pos += chunk.length;
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes >= PIECE_BYTES) await flush();
      }
    } catch (err) {
      // Cut off mid-transfer: keep what arrived (the next pull resumes after it).
      if (pos <= size) await flush().catch(() => undefined);
      throw err instanceof BoothError ? err : this.fail(`blob ${id}: ${(err as Error).message}`);
    }
    await flush();
    if (at !== size) throw this.fail(`blob ${id}: the transfer ended at ${at} of ${size} bytes`);
    return size;
  }

  close(): void {
    this.agent.destroy();
  }
}
