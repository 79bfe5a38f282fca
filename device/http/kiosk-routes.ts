import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { stampFontPath } from '../documents/font.js';
import type { Readable } from 'node:stream';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import { refuseBody } from '../../protocol/http-hardening.js';
import { UnlockCommandSchema } from '../../protocol/session/schema.js';
import { FileSink, tooLarge } from '../session/file-sink.js';
import type { KioskView } from '../core/visit/view.js';
import type { VisitFeature } from '../visit/feature.js';
import type { KioskEvent, VisitService } from '../visit/service.js';
import {
  ActionBody,
  ConsentBody,
  KioskViewSchema,
  OverrideBody,
  ProjectBody,
  SessionSummarySchema,
  SimCameraBody,
  StaffBody,
  WitnessBody,
  type SessionSummary,
} from './kiosk-schemas.js';

/**
 * The kiosk API (loopback only; docs/visit.md). Thin: each route validates its body and calls
 * one action of the visit service. Responses are the kiosk view (declared schema = nothing
 * else leaves); /events streams the same view, camera prompts and live ink as server-sent events.
 */
export interface KioskRouteOptions {
  feature: VisitFeature;
  fixturesDir: string;
  /** Limit of a package body (sync.channel.maxPackageBytes): above it, 413 BOOTH_ERR_PAYLOAD_TOO_LARGE. */
  maxPackageBytes: number;
}

const HEARTBEAT_MS = 15_000;

const view = { response: { 200: KioskViewSchema } };

export async function kioskRoutes(app: FastifyInstance, opts: KioskRouteOptions): Promise<void> {
  const { feature } = opts;
  const svc = (): VisitService => {
    if (!feature.service) throw new BoothError('BOOTH_ERR_NOT_READY', 'the visit service is not running');
    return feature.service;
  };
  const post = <T extends TSchema>(
    path: string,
    body: T | null,
    handler: (b: Static<T>) => KioskView | Promise<KioskView>,
  ) =>
    app.post(
      path,
      { schema: { ...(body ? { body } : {}), ...view }, ...(body ? {} : { onRequest: refuseBody }) },
      async (req) => handler(req.body as Static<T>),
    );

  app.get('/api/kiosk/state', { schema: view }, async () => svc().view());
  post('/api/kiosk/begin', null, () => svc().begin());
  post('/api/kiosk/consent', ConsentBody, (b) => svc().apply({ type: 'consent', ...b }));
  post('/api/kiosk/retry', null, () => svc().apply({ type: 'retry' }));
  post('/api/kiosk/witness/start', null, () => svc().apply({ type: 'witness' }));
  post('/api/kiosk/witness', WitnessBody, (b) => svc().witness(b.staffId, b.pin, b.idNumber));
  post('/api/kiosk/project', ProjectBody, (b) => svc().apply({ type: 'choose-project', projectId: b.projectId }));
  post('/api/kiosk/override', OverrideBody, (b) => svc().override(b.staffId, b.pin, b.projectId));
  post('/api/kiosk/action', ActionBody, (b) =>
    svc().apply({ type: 'choose-action', action: b.action, reason: b.reason }),
  );
  post('/api/kiosk/signature/clear', null, () => svc().clearSignature());
  post('/api/kiosk/signature/done', null, () => svc().finishSignature());
  post('/api/kiosk/confirm', null, () => svc().apply({ type: 'confirm' }));
  post('/api/kiosk/redo', null, () => svc().apply({ type: 'redo' }));
  post('/api/kiosk/finish', null, () => svc().apply({ type: 'finish' }));
  post('/api/kiosk/cancel', null, () => svc().apply({ type: 'cancel' }));

  app.get('/api/kiosk/events', async (req, reply) => {
    const s = svc();
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const send = (e: KioskEvent) => reply.raw.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    const off = s.subscribe(send);
    const beat = setInterval(() => reply.raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.raw.on('close', () => {
      clearInterval(beat);
      off();
    });
  });

  // The live preview: the latest frame while capturing, never stored (204 when there is none).
  app.get('/api/kiosk/preview.jpg', async (_req, reply: FastifyReply) => {
    const jpeg = svc().previewJpeg;
    if (!jpeg) return reply.status(204).header('cache-control', 'no-store').send();
    return reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store').send(jpeg);
  });

  // The page's CJK font (Noto Sans SC, OFL), the one the stamps use: the kiosk needs no system fonts.
  app.get('/api/kiosk/font.ttf', async (_req, reply) =>
    reply
      .header('content-type', 'font/ttf')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(stampFontPath())),
  );

  app.get('/api/kiosk/session', { schema: { response: { 200: SessionSummarySchema } } }, async () => summary(feature));
  await app.register(packageInstallRoute, { feature, maxBytes: opts.maxPackageBytes });
  app.post(
    '/api/kiosk/session/unlock',
    { schema: { body: UnlockCommandSchema, response: { 200: SessionSummarySchema } } },
    async (req) => {
      await feature.unlock(req.body);
      return summary(feature);
    },
  );
  app.post(
    '/api/kiosk/session/close',
    { schema: { body: StaffBody, response: { 200: Type.Object({ noShows: Type.Integer() }) } } },
    async (req) => {
      const b = req.body as Static<typeof StaffBody>;
      // The staff who may close are those of the package in use: without one there is nothing to close.
      if (!feature.vault?.current) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session is open on this booth');
      if (!(await svc().staff.check(b.staffId, b.pin, 'session-close')))
        throw new BoothError('BOOTH_ERR_STAFF_CREDENTIAL', 'staff id or PIN not recognised');
      // 409 BOOTH_ERR_VISIT_STATE while a visit is in progress (docs/visit.md, "Session close").
      return { noShows: await feature.close() };
    },
  );

  // Simulation only: which "person" the simulated camera shows (the demo and the browser tests).
  const sim = feature.simulation.camera;
  if (sim) {
    const sources = {
      expert: join(opts.fixturesDir, 'demo', 'camera'),
      stranger: join(opts.fixturesDir, 'session', 'camera-stranger'),
      two: join(opts.fixturesDir, 'session', 'camera-two'),
    };
    app.post(
      '/api/kiosk/sim/camera',
      { schema: { body: SimCameraBody, response: { 200: Type.Object({ source: Type.String() }) } } },
      async (req) => {
        const { source } = req.body as Static<typeof SimCameraBody>;
        await sim.play(sources[source]);
        return { source };
      },
    );
  }
}

/**
 * POST /api/kiosk/session: a package from a USB stick (the package channel is the normal way).
 * The body is not parsed here: it streams to a file under the size limit, and the same install
 * as the channel's checks it (on a worker thread) and fetches url documents over the channel
 * when the booth is enrolled. A body above the limit is 413 BOOTH_ERR_PAYLOAD_TOO_LARGE, told
 * by Content-Length before anything is read when the client sends one.
 */
async function packageInstallRoute(
  scope: FastifyInstance,
  o: { feature: VisitFeature; maxBytes: number },
): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  scope.post('/api/kiosk/session', { schema: { response: { 200: SessionSummarySchema } } }, async (req, reply) => {
    const body = req.body as Readable | undefined;
    const declared = Number(req.headers['content-length'] ?? NaN);
    const refuse = (err: unknown) => {
      // Answer first, drop the rest of the body unread (never kept), then close the connection.
      if (isBoothError(err, 'BOOTH_ERR_PAYLOAD_TOO_LARGE')) {
        void reply.header('connection', 'close');
        body?.resume();
      }
      return err;
    };
    if (declared > o.maxBytes) throw refuse(tooLarge('session package', o.maxBytes));
    const vault = o.feature.vault;
    if (!vault || !body) throw new BoothError('BOOTH_ERR_NOT_READY', 'the visit feature is not started');
    const file = await vault.tempFile('package');
    const sink = await FileSink.open({ path: file, maxBytes: o.maxBytes, what: 'session package' });
    try {
      await sink.drain(body);
      await sink.finish();
    } catch (err) {
      await sink.discard();
      throw refuse(err);
    }
    await o.feature.installFile(file);
    return summary(o.feature);
  });
}

function summary(feature: VisitFeature): SessionSummary {
  const pkg = feature.vault?.current ?? null;
  return {
    installed: pkg !== null,
    packageId: pkg?.packageId ?? null,
    version: pkg?.version ?? null,
    centre: pkg?.centre ?? null,
    hall: pkg?.hall ?? null,
    date: pkg?.date ?? null,
    unlockAt: pkg?.unlockAt ?? null,
    sealed: feature.vault?.unlockState().sealed ?? true,
    simulation: feature.simulation.camera !== null,
    held: (feature.vault?.held ?? []).map((p) => ({
      packageId: p.packageId,
      version: p.version,
      date: p.date,
      unlockAt: p.unlockAt,
      expiresAt: p.expiresAt,
      sealed: feature.vault?.unlockState(p).sealed ?? true,
    })),
  };
}
