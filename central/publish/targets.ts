import { BoothError } from '../../protocol/errors.js';
import type { Queryable } from '../db/db.js';
import type { BoothTarget } from './package-input.js';

/**
 * The booths a day's plan sends projects to, each with the key its roster is sealed to: the
 * newest certificate on record that is neither revoked nor expired. Every booth that cannot take
 * a package (not in the inventory, revoked, never enrolled) is named at once, and nothing is
 * published: a day half-published would leave some rooms without their session.
 */
export async function publishTargets(q: Queryable, date: string, now: number, centre: string): Promise<BoothTarget[]> {
  const planned = await q.query<{ booth_id: string; room: string; projects: number }>(
    `SELECT booth_id, min(room) AS room, count(*)::int AS projects FROM plan_projects WHERE date = $1
      GROUP BY booth_id ORDER BY booth_id`,
    [date],
  );
  const rows = await q.query<{
    id: string;
    status: string;
    centre: string;
    hall: string;
    public_key_pem: string | null;
  }>(
    `SELECT b.id, b.status, b.centre, b.hall, c.public_key_pem FROM booths b
       LEFT JOIN LATERAL (
         SELECT public_key_pem FROM booth_certificates
          WHERE booth_id = b.id AND revoked_at IS NULL AND not_after > $2::timestamptz
          ORDER BY issued_at DESC LIMIT 1) c ON true
      WHERE b.id IN (SELECT value FROM json_array_elements_text($1::json))`,
    [JSON.stringify(planned.rows.map((r) => r.booth_id)), new Date(now).toISOString()],
  );
  const problems: string[] = [];
  const targets: BoothTarget[] = [];
  for (const p of planned.rows) {
    const b = rows.rows.find((r) => r.id === p.booth_id);
    const what = `booth ${p.booth_id} (room ${p.room}, ${p.projects} project${p.projects === 1 ? '' : 's'})`;
    if (!b) problems.push(`${what} is not in the inventory: add and enroll it, or move its projects in the plan`);
    else if (b.status !== 'active') problems.push(`${what} is revoked: move its projects to another booth in the plan`);
    else if (!b.public_key_pem)
      problems.push(`${what} has no valid certificate (never enrolled, revoked or expired): enroll it first`);
    else
      targets.push({
        boothId: b.id,
        centre: b.centre || centre,
        hall: b.hall || p.room,
        publicKeyPem: b.public_key_pem,
      });
  }
  // Import refuses this; a plan stored by an older version, or edited by hand, is checked again.
  const split = await q.query<{ id: string; room: string; booths: string }>(
    `SELECT p.id, p.room, string_agg(r.booth_id, ', ' ORDER BY r.booth_id) AS booths
       FROM plan_projects p JOIN plan_rooms r ON r.date = p.date AND r.room = p.room
      WHERE p.date = $1 AND NOT p.booth_explicit GROUP BY p.id, p.room HAVING count(*) > 1`,
    [date],
  );
  for (const s of split.rows)
    problems.push(
      `project ${s.id}: room ${s.room} has booths ${s.booths} and the plan names none; a project's documents are sealed at one booth`,
    );
  if (problems.length > 0)
    throw new BoothError(
      'BOOTH_ERR_PUBLISH_REFUSED',
      `publish ${date}: refused, nothing published:\n  ${problems.join('\n  ')}`,
      { problems },
    );
  return targets;
}
