import Fastify, { type FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { BoothError } from '../../../protocol/errors.js';
import { errorHandler } from '../../../protocol/http-errors.js';
import { compileValidator } from '../../../protocol/validate.js';
import {
  CHANNEL_ROUTES,
  ChannelReportSchema,
  ManifestSchema,
  type ChannelReport,
  type Manifest,
} from '../../../protocol/channel.js';
import type { CentralCommand, SessionPackage } from '../../../protocol/session/schema.js';
import { checkPeer } from '../../../device/sync/tls.js';
import { issueCert, type CentralCa } from '../../central/ca.js';

/**
 * A stand-in for the central server's package channel (the real one is central/publish): the
 * channel routes of protocol/channel.ts over mutual TLS, answering from what the test put in.
 * Manifests and reports are checked against the protocol schemas; documents honour `Range`.
 * Faults: a document served with other bytes, cut after N bytes once, a package body that is not
 * the manifest's.
 */
export interface ChannelServer {
  url: string;
  /** Booth ids of the client certificates seen (CN). */
  peers: string[];
  reports: ChannelReport['packages'];
  /** Requests per path (document fetches, range requests). */
  requests: { path: string; range: string | null }[];
  publish(pkg: SessionPackage, o?: { body?: Buffer; size?: number }): void;
  unpublish(packageId: string): void;
  document(bytes: Buffer): string;
  command(c: CentralCommand): void;
  commands: CentralCommand[];
  /** Serve these bytes instead of the document's (hash mismatch). */
  corrupt: Set<string>;
  /** Cut the connection after this many bytes, once, for this document. */
  cutOnce: Map<string, number>;
  clock: () => number;
  close(): Promise<void>;
}

const manifestValidator = compileValidator(ManifestSchema);

export async function startChannelServer(ca: CentralCa, boothId: string): Promise<ChannelServer> {
  const serverCert = await issueCert(ca, {
    commonName: 'central-server',
    profile: 'server',
    altNames: ['localhost', '127.0.0.1'],
  });
  const packages = new Map<string, { pkg: SessionPackage; body: Buffer; size?: number }>();
  const documents = new Map<string, Buffer>();
  const app = Fastify({
    https: {
      key: serverCert.keyPem,
      cert: serverCert.certPem,
      ca: [ca.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    logger: false,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false } },
  }) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  const server: ChannelServer = {
    url: '',
    peers: [],
    reports: [],
    requests: [],
    commands: [],
    corrupt: new Set(),
    cutOnce: new Map(),
    clock: Date.now,
    publish(pkg, o = {}) {
      packages.set(pkg.packageId, {
        pkg,
        body: o.body ?? Buffer.from(JSON.stringify(pkg)),
        ...(o.size ? { size: o.size } : {}),
      });
    },
    unpublish(packageId) {
      packages.delete(packageId);
    },
    document(bytes) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      documents.set(sha, bytes);
      return sha;
    },
    command(c) {
      server.commands.push(c);
    },
    close: () => app.close(),
  };
  app.addHook('onRequest', async (req) => {
    const peer = checkPeer(req.raw.socket as TLSSocket, null);
    if (!peer.ok)
      throw new BoothError(peer.status === 401 ? 'BOOTH_ERR_UNAUTHORIZED' : 'BOOTH_ERR_FORBIDDEN', peer.reason);
    if (peer.commonName !== boothId) throw new BoothError('BOOTH_ERR_FORBIDDEN', `not ${boothId}`);
    server.peers.push(peer.commonName);
    server.requests.push({ path: req.url, range: req.headers.range ?? null });
  });
  app.get(CHANNEL_ROUTES.manifest.url, async () => {
    const manifest: Manifest = {
      boothId,
      serverTime: server.clock(),
      packages: [...packages.values()].map(({ pkg, body, size }) => ({
        packageId: pkg.packageId,
        version: pkg.version,
        sha256: createHash('sha256').update(body).digest('hex'),
        size: size ?? body.length,
        date: pkg.date,
        unlockAt: pkg.unlockAt,
        expiresAt: pkg.expiresAt,
      })),
      commands: server.commands,
    };
    return manifestValidator.parse(manifest, 'test manifest');
  });
  app.get<{ Params: { packageId: string; version: string } }>(CHANNEL_ROUTES.package.url, async (req, reply) => {
    const p = packages.get(req.params.packageId);
    if (!p || String(p.pkg.version) !== req.params.version)
      throw new BoothError('BOOTH_ERR_NOT_FOUND', 'no such package version');
    return reply.header('content-type', 'application/json').send(p.body);
  });
  app.get<{ Params: { sha256: string } }>(CHANNEL_ROUTES.document.url, async (req, reply) => {
    const sha = req.params.sha256;
    let bytes = documents.get(sha);
    if (!bytes) throw new BoothError('BOOTH_ERR_NOT_FOUND', 'no such document');
    if (server.corrupt.has(sha)) bytes = Buffer.concat([bytes, Buffer.from('tampered')]);
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from > bytes.length) return reply.status(416).send({ code: 'BOOTH_ERR_BAD_INPUT', message: 'range' });
    const cut = server.cutOnce.get(sha);
    if (cut !== undefined) {
      server.cutOnce.delete(sha);
      // Headers for the whole body, then only part of it, then the connection goes.
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'application/pdf', 'content-length': bytes.length });
      raw.write(bytes.subarray(0, cut), () => setTimeout(() => raw.socket?.destroy(), 20));
      return reply.hijack();
    }
    const part = bytes.subarray(from);
    if (from > 0) void reply.status(206).header('content-range', `bytes ${from}-${bytes.length - 1}/${bytes.length}`);
    return reply.header('content-type', 'application/pdf').send(part);
  });
  app.post(CHANNEL_ROUTES.report.url, { schema: { body: ChannelReportSchema } }, async (req) => {
    server.reports.push(...(req.body as ChannelReport).packages);
    return { ok: true };
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  server.url = address.replace('127.0.0.1', 'localhost');
  return server;
}
