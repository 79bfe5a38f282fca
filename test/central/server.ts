import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { Agent } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { BoothError } from '../../protocol/errors.js';
import { errorHandler } from '../../protocol/http-errors.js';
import { signerKeyFromInfo } from '../../protocol/records/signer-info.js';
import { batchProblems } from '../../protocol/sync/batch.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import { BlobStatusSchema, type SignedBatch } from '../../protocol/sync/schemas.js';

const MAX_PIECE = 64 * 1024 * 1024;
import { checkPeer } from '../../device/sync/tls.js';
import { createCentralCa, issueCert, type CentralCa, type IssuedCert } from './ca.js';
import { CentralLedger, type RecordPolicy } from './ledger.js';
import { pullFromBooth, type PullResult } from './puller.js';
import { CentralBlobs } from './blobs.js';
import { blobsNamedBy } from '../../device/sync/signed-blobs.js';
import type { CommittedRecord } from '../../device/core/ports.js';

/**
 * The reference central server: a test and demo tool (not the production central system).
 * It is the central CA for tests, accepts pushes over mutual TLS, pulls batches from a booth,
 * verifies every batch and record signature and the hash chain, stores records idempotently by
 * id, takes the sealed PDF revisions that sign records name (push: blob status + resumable
 * pieces; pull: fetched with Range resume), checks each by hash, and acknowledges a sign record
 * only once it holds every blob the record names; it can be backed up and restored, and injects
 * network faults on demand. Other features add
 * routes as fastify plugins (e.g. enrollment, test/central/enrollment.ts) via `plugins`.
 */
export type CentralFault = 'none' | 'http500' | 'slow' | 'reset';

export interface CentralServerOptions {
  ca?: CentralCa;
  host?: string;
  /** Extra routes (enrollment, ...); each gets `{ central }` as its options. */
  plugins?: FastifyPluginAsync<{ central: CentralServer }>[];
  policy?: RecordPolicy;
  /** How long 'slow' waits before answering. */
  slowMs?: number;
}

export interface CentralServer {
  readonly ca: CentralCa;
  readonly ledger: CentralLedger;
  /** Client certificate (CN=central) the server uses to pull from booths. */
  readonly clientCert: IssuedCert;
  fault: CentralFault;
  app: FastifyInstance | null;
  url: string | null;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
  pull(boothUrl: string, boothId: string, o?: { limit?: number; after?: number }): Promise<PullResult>;
  /** Pushes received (for assertions on batching). */
  pushes: { boothId: string; count: number; bytes: number }[];
  /** Sealed revisions held (push uploads and pulled), with a log of pieces and completions. */
  readonly blobs: CentralBlobs;
  /** Fault: this many blob pieces are stored, then the connection is reset before the answer. */
  resetBlobPuts: number;
  /** Whether every blob a record names is held (a sign record is acknowledged only then). */
  blobsHeld(r: CommittedRecord): boolean;
}

export async function buildCentralServer(o: CentralServerOptions = {}): Promise<CentralServer> {
  const ca = o.ca ?? (await createCentralCa());
  const serverCert = await issueCert(ca, {
    commonName: 'central-server',
    profile: 'server',
    altNames: ['localhost', '127.0.0.1'],
  });
  const clientCert = await issueCert(ca, { commonName: 'central', profile: 'client' });
  const ledger = new CentralLedger(o.policy);
  const blobs = new CentralBlobs();
  const pullAgent = new Agent({
    keepAlive: true,
    // A resumed TLS session carries no peer certificate, and every batch is checked against it.
    maxCachedSessions: 0,
    key: clientCert.keyPem,
    cert: clientCert.certPem,
    ca: [ca.certPem],
  });

  const central: CentralServer = {
    ca,
    ledger,
    clientCert,
    fault: 'none',
    app: null,
    url: null,
    pushes: [],
    blobs,
    resetBlobPuts: 0,
    blobsHeld: (r) => blobsNamedBy(r).every((id) => blobs.isComplete(id)),
    async listen(port = 0) {
      const app = await buildApp(central, serverCert, o);
      central.app = app;
      const address = await app.listen({ host: o.host ?? '127.0.0.1', port });
      central.url = address.replace('127.0.0.1', 'localhost');
      return central.url;
    },
    async close() {
      await central.app?.close();
      central.app = null;
      pullAgent.destroy();
    },
    pull: (boothUrl, boothId, po = {}) => pullFromBooth({ ledger, blobs, agent: pullAgent, boothUrl, boothId, ...po }),
  };
  return central;
}

async function buildApp(
  central: CentralServer,
  serverCert: IssuedCert,
  o: CentralServerOptions,
): Promise<FastifyInstance> {
  const app = Fastify({
    https: {
      key: serverCert.keyPem,
      cert: serverCert.certPem,
      ca: [central.ca.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    logger: false,
    bodyLimit: 64 * 1024 * 1024,
    // Unknown fields are refused (400), not silently stripped (fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  const { push, blobStatus, blobUpload } = SYNC_ROUTES;
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => {
      const peer = checkPeer(req.raw.socket as TLSSocket, null);
      if (!peer.ok)
        throw new BoothError(peer.status === 401 ? 'BOOTH_ERR_UNAUTHORIZED' : 'BOOTH_ERR_FORBIDDEN', peer.reason);
    });
    scope.post<{ Body: SignedBatch }>(
      push.url,
      { schema: { body: push.body, response: push.response } },
      async (req, reply) => {
        if (central.fault === 'http500') throw new Error('injected fault: internal error');
        if (central.fault === 'slow') await new Promise((r) => setTimeout(r, o.slowMs ?? 2000));
        const socket = req.raw.socket as TLSSocket;
        const cn = checkPeer(socket, null);
        const sb = req.body;
        if (!cn.ok || cn.commonName !== sb.batch.boothId)
          throw new BoothError(
            'BOOTH_ERR_FORBIDDEN',
            `batch of ${sb.batch.boothId} pushed with another booth's certificate`,
          );
        const certKey = new X509Certificate(socket.getPeerCertificate().raw).publicKey;
        const key = signerKeyFromInfo(sb.batch.signer, certKey);
        if (!key) throw new BoothError('BOOTH_ERR_BAD_INPUT', 'batch signer is not backed by the client certificate');
        const problems = batchProblems(sb, key);
        if (problems.length)
          throw new BoothError('BOOTH_ERR_BAD_INPUT', `batch does not verify: ${problems.join('; ')}`, { problems });
        central.pushes.push({
          boothId: sb.batch.boothId,
          count: sb.batch.count,
          bytes: Number(req.headers['content-length'] ?? 0),
        });
        if (central.fault === 'reset') {
          // Store the first half, then drop the connection before answering: the booth must
          // resend, and the duplicates must not be stored twice.
          central.ledger.accept(
            sb.batch.boothId,
            sb.batch.after,
            sb.batch.records.slice(0, Math.ceil(sb.batch.count / 2)),
            central.blobsHeld,
          );
          socket.destroy();
          return reply.hijack();
        }
        return central.ledger.accept(sb.batch.boothId, sb.batch.after, sb.batch.records, central.blobsHeld);
      },
    );
    scope.get<{ Params: { id: string } }>(
      blobStatus.url,
      { schema: { params: blobStatus.params, response: blobStatus.response } },
      async (req) => central.blobs.status(req.params.id),
    );
    // Pieces arrive as raw bytes; one piece at most MAX_PIECE (the booth sends sync.push.maxBytes).
    scope.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: MAX_PIECE },
      (_req, body, done) => done(null, body),
    );
    scope.put<{ Params: { id: string }; Querystring: { offset: number; size: number }; Body: Buffer }>(
      blobUpload.url,
      {
        schema: { params: blobUpload.params, querystring: blobUpload.querystring, response: { 200: BlobStatusSchema } },
      },
      async (req, reply) => {
        const { id } = req.params;
        if (!Buffer.isBuffer(req.body))
          throw new BoothError('BOOTH_ERR_BAD_INPUT', 'expected application/octet-stream');
        const r = central.blobs.put(id, req.query.offset, req.query.size, req.body, 'push');
        if (!r.ok && r.reason === 'offset')
          throw new BoothError('BOOTH_ERR_CONFLICT', `blob ${id}: the next piece starts at ${r.received}`, {
            received: r.received,
          });
        if (!r.ok) throw new BoothError('BOOTH_ERR_BAD_INPUT', r.message);
        if (central.resetBlobPuts > 0) {
          // Stored, but the answer never arrives: the booth must ask where to resume.
          central.resetBlobPuts--;
          req.raw.socket.destroy();
          return reply.hijack();
        }
        return r.status;
      },
    );
  });
  for (const plugin of o.plugins ?? []) await app.register(plugin, { central });
  return app;
}
