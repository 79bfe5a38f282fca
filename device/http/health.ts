import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

export const ReadinessCheck = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  detail: Type.String(),
});

export const ReadinessReport = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Array(ReadinessCheck),
});

export interface ReadinessSource {
  readiness(): Promise<{ ready: boolean; checks: { name: string; ok: boolean; detail: string }[] }>;
}

/**
 * GET /healthz: the process answers (liveness for systemd and the kiosk).
 * GET /readyz: config valid, models verified, store open, each hardware port's state; 503 until ready.
 */
export async function healthRoutes(app: FastifyInstance, opts: { source: ReadinessSource }): Promise<void> {
  app.get(
    '/healthz',
    { schema: { response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeS: Type.Number() }) } } },
    async () => ({ status: 'ok' as const, uptimeS: Math.round(process.uptime()) }),
  );
  app.get('/readyz', { schema: { response: { 200: ReadinessReport, 503: ReadinessReport } } }, async (_req, reply) => {
    const report = await opts.source.readiness();
    return reply.status(report.ready ? 200 : 503).send(report);
  });
}
