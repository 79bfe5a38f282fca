import type { CentralContext } from '../context.js';
import { listBooths } from './booths.js';

/**
 * What `booth-central status` says about the inventory: each booth with its certificate and last
 * contact, and alerts for what an operator must act on: a certificate expiring within
 * enrollment.certExpiryWarnDays (or expired), a booth never enrolled, an enrolled booth that has
 * never called. Revoked booths are listed, not alerted on (revoking was a decision).
 */
export interface InventoryStatusBooth {
  id: string;
  room: string;
  status: string;
  lastContactAt: string | null;
  lastAddress: string | null;
  certificate: { serial: string; notAfter: string } | null;
}

const DAY = 86_400_000;

export async function inventoryStatus(
  ctx: CentralContext,
): Promise<{ booths: InventoryStatusBooth[]; alerts: string[]; revoked: number }> {
  const now = ctx.clock.now();
  const warnMs = ctx.config.enrollment.certExpiryWarnDays * DAY;
  const booths = await listBooths(ctx.db);
  const alerts: string[] = [];
  for (const b of booths) {
    if (b.status !== 'active') continue;
    const c = b.certificate && !b.certificate.revokedAt ? b.certificate : null;
    if (!c) {
      alerts.push(`booth ${b.id}: not enrolled (booth-central token issue --booth ${b.id}, then booth provision)`);
      continue;
    }
    const left = new Date(c.notAfter).getTime() - now;
    if (left <= 0) alerts.push(`booth ${b.id}: certificate expired ${c.notAfter}: enroll it again with a new token`);
    else if (left <= warnMs)
      alerts.push(
        `booth ${b.id}: certificate expires ${c.notAfter} (in ${Math.ceil(left / DAY)} days): enroll it again with a new token`,
      );
    if (!b.lastContactAt) alerts.push(`booth ${b.id}: enrolled ${c.issuedAt}, never contacted the central server`);
  }
  return {
    booths: booths.map((b) => ({
      id: b.id,
      room: b.room,
      status: b.status,
      lastContactAt: b.lastContactAt,
      lastAddress: b.lastAddress,
      certificate: b.certificate ? { serial: b.certificate.serial, notAfter: b.certificate.notAfter } : null,
    })),
    alerts,
    revoked: booths.filter((b) => b.status === 'revoked').length,
  };
}
