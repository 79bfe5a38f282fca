import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';
import {
  CHANNEL_ROUTES,
  ManifestSchema,
  type ChannelReport,
  type Manifest,
  type ManifestPackage,
} from '../../protocol/channel.js';
import { rejection } from '../../protocol/session/verify.js';
import type { Static } from '@sinclair/typebox';
import type { SyncTls } from '../sync/tls.js';
import { FileSink } from './file-sink.js';
import type { MissingDocument } from './vault.js';

/**
 * HTTPS with mutual TLS to the central server's package channel (protocol/channel.ts). The
 * booth's enrolled certificate identifies it; the central server's certificate must come from the
 * pinned central CA. Bodies never sit whole in memory: a package or a document streams to a file
 * (FileSink) under its size limit and is hashed on the way, and a document interrupted mid-body
 * resumes with `Range` where it stopped.
 *
 * Failures: a transport problem (refused, reset, timeout, 5xx) is BOOTH_ERR_SYNC_FAILED (try
 * again later); what the central server says does not exist (404) is a rejection `unavailable`;
 * a body that does not match its hash is `tampered`; a body above its limit is
 * BOOTH_ERR_PAYLOAD_TOO_LARGE.
 */
export interface ChannelClientOptions {
  /** The channel's base URL (sync.channel.url); route paths resolve against it. */
  url: string;
  tls: SyncTls;
  requestTimeoutMs: number;
  maxPackageBytes: number;
  maxDocumentBytes: number;
}

const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const DOCUMENT_ATTEMPTS = 3;
const manifestValidator = compileValidator(ManifestSchema, { code: 'BOOTH_ERR_SYNC_FAILED' });

type ManifestPackageT = Static<typeof ManifestPackage>;

export class ChannelClient {
  private readonly agent: Agent;
  readonly base: URL;

  constructor(private readonly o: ChannelClientOptions) {
    this.base = new URL(o.url);
    if (this.base.protocol !== 'https:')
      throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `sync.channel.url: expected https://, got ${o.url}`);
    // No TLS session resumption: each connection presents the booth certificate in full.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 2,
      maxCachedSessions: 0,
      key: o.tls.key,
      cert: o.tls.cert,
      ca: [o.tls.ca],
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** This booth's manifest (newest version of each package, pending signed commands). */
  async manifest(): Promise<Manifest> {
    const res = await this.send('GET', new URL(CHANNEL_ROUTES.manifest.url, this.base));
    const body = await this.readSmall(res, MANIFEST_MAX_BYTES, 'manifest');
    this.expectOk(res, body, 'manifest');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new BoothError('BOOTH_ERR_SYNC_FAILED', 'channel manifest: not JSON');
    }
    return manifestValidator.parse(parsed, 'channel manifest');
  }

  /** One package body into `file`: its size and sha256 must be the manifest's. */
  async fetchPackage(p: ManifestPackageT, file: string): Promise<void> {
    const what = `package ${p.packageId} v${p.version}`;
    if (p.size > this.o.maxPackageBytes)
      throw new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', `${what}: ${p.size} bytes, above ${this.o.maxPackageBytes}`, {
        maxBytes: this.o.maxPackageBytes,
      });
    const path = `/channel/v1/packages/${encodeURIComponent(p.packageId)}/${p.version}`;
    const res = await this.send('GET', new URL(path, this.base));
    if (res.statusCode !== 200) {
      const body = await this.readSmall(res, 64 * 1024, what);
      this.expectOk(res, body, what);
    }
    const sink = await FileSink.open({ path: file, maxBytes: this.o.maxPackageBytes, what });
    try {
      await sink.drain(res);
      const got = await sink.finish();
      if (got.size !== p.size || got.sha256 !== p.sha256)
        throw rejection('tampered', `${what}: the body (${got.size} bytes) does not match the manifest's sha256`, {
          packageId: p.packageId,
          version: p.version,
        });
    } catch (err) {
      res.destroy();
      await sink.discard();
      throw err;
    }
  }

  /**
   * The URL a package document names, resolved against the channel: a path on the channel (as
   * the central server publishes them) or a URL of the same origin. Another origin is refused.
   */
  documentUrl(d: Pick<MissingDocument, 'url' | 'name'>): URL {
    let url: URL;
    try {
      url = new URL(d.url, this.base);
    } catch {
      throw rejection('malformed', `document ${d.name}: url ${JSON.stringify(d.url)} does not parse`);
    }
    if (url.origin !== this.base.origin)
      throw rejection(
        'unavailable',
        `document ${d.name}: ${url.origin} is not the package channel (${this.base.origin}); documents come only over the channel`,
      );
    return url;
  }

  /**
   * One document into `target` (<sha256>.pdf of a stage folder), checked against its sha256 while
   * it streams. A body cut short stays in `downloads` and the next attempt resumes it with Range.
   */
  async fetchDocument(d: MissingDocument, target: string, downloads: string): Promise<void> {
    const url = this.documentUrl(d);
    const partial = join(downloads, `${d.sha256}.part`);
    let lastError: unknown = null;
    for (let attempt = 0; attempt < DOCUMENT_ATTEMPTS; attempt++) {
      try {
        await this.fetchDocumentOnce(d, url, partial, target);
        return;
      } catch (err) {
        lastError = err;
        // Only a transport failure is worth another go; a 404, a wrong hash or the limit is final.
        if (!(err instanceof BoothError) || err.code !== 'BOOTH_ERR_SYNC_FAILED') throw err;
      }
    }
    throw lastError;
  }

  private async fetchDocumentOnce(d: MissingDocument, url: URL, partial: string, target: string): Promise<void> {
    const what = `document ${d.name}`;
    let sink = await FileSink.open({ path: partial, maxBytes: this.o.maxDocumentBytes, what, resume: true });
    const offset = sink.size;
    let res: IncomingMessage;
    try {
      res = await this.send('GET', url, offset > 0 ? { range: `bytes=${offset}-` } : {});
    } catch (err) {
      await sink.finish();
      throw err;
    }
    try {
      if (res.statusCode === 416 || (res.statusCode === 200 && offset > 0)) {
        // The server does not continue this partial (or it is already past the end): start again.
        await sink.discard();
        if (res.statusCode === 416) {
          res.resume();
          throw new BoothError('BOOTH_ERR_SYNC_FAILED', `${what}: the partial download was not resumable`);
        }
        sink = await FileSink.open({ path: partial, maxBytes: this.o.maxDocumentBytes, what });
      } else if (res.statusCode === 206) {
        const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1];
        if (Number(start) !== offset) {
          await sink.discard();
          res.destroy();
          throw new BoothError('BOOTH_ERR_SYNC_FAILED', `${what}: the server resumed at ${start}, not ${offset}`);
        }
      } else if (res.statusCode !== 200) {
        const body = await this.readSmall(res, 64 * 1024, what);
        await sink.finish();
        this.expectOk(res, body, what);
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared + sink.size > this.o.maxDocumentBytes) {
        await sink.discard();
        res.destroy();
        throw new BoothError(
          'BOOTH_ERR_PAYLOAD_TOO_LARGE',
          `${what}: ${declared + sink.size} bytes, above ${this.o.maxDocumentBytes}`,
          { maxBytes: this.o.maxDocumentBytes },
        );
      }
      await sink.drain(res);
    } catch (err) {
      res.destroy();
      if (err instanceof BoothError && err.code === 'BOOTH_ERR_SYNC_FAILED') await sink.finish().catch(() => undefined);
      else await sink.discard();
      throw err;
    }
    const got = await sink.finish();
    if (got.sha256 !== d.sha256) {
      await sink.discard();
      throw rejection('tampered', `${what}: the body fetched does not match its sha256`);
    }
    await sink.commit(target);
  }

  /** What the booth did with what it fetched (installed, refused, closed, revoked). */
  async report(r: ChannelReport): Promise<void> {
    const body = Buffer.from(JSON.stringify(r));
    const res = await this.send(
      'POST',
      new URL(CHANNEL_ROUTES.report.url, this.base),
      {
        'content-type': 'application/json',
        'content-length': String(body.length),
      },
      body,
    );
    const answer = await this.readSmall(res, 64 * 1024, 'report');
    this.expectOk(res, answer, 'report');
  }

  // ---- plumbing ----

  private send(
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) =>
        reject(new BoothError('BOOTH_ERR_SYNC_FAILED', `channel ${method} ${url.pathname}: ${why}`));
      const req = request(url, { method, agent: this.agent, headers }, (res) => {
        // Idle timeout over the whole body too: a stalled transfer is abandoned (and resumed later).
        res.socket.setTimeout(this.o.requestTimeoutMs, () =>
          res.destroy(new Error(`no data for ${this.o.requestTimeoutMs} ms`)),
        );
        resolve(res);
      });
      req.setTimeout(this.o.requestTimeoutMs, () =>
        req.destroy(new Error(`no answer within ${this.o.requestTimeoutMs} ms`)),
      );
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
  }

  /** A small body (manifest, errors, report answers) into memory, bounded. */
  private readSmall(res: IncomingMessage, max: number, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) {
          res.destroy();
          reject(new BoothError('BOOTH_ERR_SYNC_FAILED', `channel ${what}: answer larger than ${max} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.once('end', () => resolve(Buffer.concat(chunks)));
      res.once('error', (err) => reject(new BoothError('BOOTH_ERR_SYNC_FAILED', `channel ${what}: ${err.message}`)));
    });
  }

  private expectOk(res: IncomingMessage, body: Buffer, what: string): void {
    const status = res.statusCode ?? 0;
    if (status === 200) return;
    let message = body.toString('utf8').slice(0, 300);
    try {
      message = String((JSON.parse(message) as { message?: unknown }).message ?? message);
    } catch {
      // not a coded error body: keep the text
    }
    if (status === 404) throw rejection('unavailable', `channel ${what}: not found on the central server (${message})`);
    throw new BoothError('BOOTH_ERR_SYNC_FAILED', `channel ${what}: HTTP ${status}: ${message}`, { status });
  }
}
