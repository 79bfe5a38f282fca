import type { Queryable } from '../db/db.js';
import { isoInstant } from '../plan/local-time.js';

/**
 * The delivery side of `booth-central status`: per booth, the packages published and not yet
 * installed (the newest live version of each package, that the booth has not reported
 * installed: the delivery backlog) and those it refused, with the booth's reason. A refusal,
 * and a package still not installed when its roster should already open, are alerts: that room
 * has no session.
 */
export interface PackageDelivery {
  packageId: string;
  version: number;
  publishedAt: string;
  unlockAt: string;
  state: 'pending' | 'installed' | 'refused' | 'closed' | 'revoked';
  reason: string | null;
  message: string | null;
}

export async function packageDeliveries(
  q: Queryable,
  now: number,
): Promise<{ byBooth: Map<string, PackageDelivery[]>; alerts: string[] }> {
  const r = await q.query<{
    booth_id: string;
    package_id: string;
    version: number;
    created_at: Date;
    unlock_at: Date;
    state: PackageDelivery['state'] | null;
    reason: string | null;
    message: string | null;
  }>(
    `SELECT n.booth_id, n.package_id, n.version, n.created_at, n.unlock_at, s.state, s.reason, s.message
       FROM (SELECT DISTINCT ON (package_id) * FROM packages ORDER BY package_id, version DESC) n
       LEFT JOIN LATERAL (
         SELECT state, reason, message FROM booth_package_states s
          WHERE s.booth_id = n.booth_id AND s.package_id = n.package_id AND s.version = n.version
          ORDER BY s.at DESC, s.reported_at DESC LIMIT 1) s ON true
      WHERE n.revoked_at IS NULL AND n.expires_at > $1::timestamptz
      ORDER BY n.booth_id, n.date, n.package_id`,
    [new Date(now).toISOString()],
  );
  const byBooth = new Map<string, PackageDelivery[]>();
  const alerts: string[] = [];
  for (const p of r.rows) {
    const d: PackageDelivery = {
      packageId: p.package_id,
      version: p.version,
      publishedAt: isoInstant(p.created_at.getTime()),
      unlockAt: isoInstant(p.unlock_at.getTime()),
      state: p.state ?? 'pending',
      reason: p.reason,
      message: p.message,
    };
    if (d.state === 'installed' || d.state === 'closed') continue;
    byBooth.set(p.booth_id, [...(byBooth.get(p.booth_id) ?? []), d]);
    if (d.state === 'refused')
      alerts.push(
        `booth ${p.booth_id} refused package ${d.packageId} v${d.version}: ${d.reason ?? 'no reason given'}${d.message ? ` (${d.message})` : ''}`,
      );
    else if (d.state === 'pending' && p.unlock_at.getTime() <= now)
      alerts.push(
        `booth ${p.booth_id} has not installed package ${d.packageId} v${d.version}, whose roster opens at ${d.unlockAt}`,
      );
  }
  return { byBooth, alerts };
}
