import { documentPath } from '../../protocol/channel.js';
import type { ExpertInput, PackageInput, ProjectInput } from '../../protocol/session/build.js';
import type { SignaturePlace } from '../../protocol/session/schema.js';
import type { Static } from '@sinclair/typebox';
import type { CentralConfig } from '../config/schema.js';
import type { Queryable } from '../db/db.js';
import { isoInstant } from '../plan/local-time.js';

/**
 * What one booth gets of a day's plan, read from the stored plan: its projects (documents by
 * url on the package channel, so packages stay small and PDFs stream), the experts on those
 * projects with only their assignments at this booth, the day's staff (PIN hashes as stored),
 * and its unlock and expiry times. An expert of another booth's project is not in this package.
 */
export interface BoothTarget {
  boothId: string;
  centre: string;
  hall: string;
  publicKeyPem: string;
}

export function packageIdOf(date: string, boothId: string): string {
  return `${date}.${boothId}`;
}

export async function packageInput(
  q: Queryable,
  o: { date: string; version: number; booth: BoothTarget; config: CentralConfig },
): Promise<Omit<PackageInput, 'version'> & { version: number; unlockMs: number; expiresMs: number }> {
  const { date, booth } = o;
  const projects = await q.query<{ id: string; name: string; section: string; scheduled_start: Date }>(
    `SELECT id, name, section, scheduled_start FROM plan_projects WHERE date = $1 AND booth_id = $2 ORDER BY scheduled_start, id`,
    [date, booth.boothId],
  );
  const docs = await q.query<{
    project_id: string;
    id: string;
    title: string;
    sha256: string;
    places: Static<typeof SignaturePlace>[];
  }>(
    `SELECT d.project_id, d.id, d.title, d.sha256, d.places FROM plan_documents d
       JOIN plan_projects p ON p.date = d.date AND p.id = d.project_id
      WHERE d.date = $1 AND p.booth_id = $2 ORDER BY d.project_id, d.id`,
    [date, booth.boothId],
  );
  const assignments = await q.query<{ expert_id: string; project_id: string; seat: number; scheduled_sign_in: Date }>(
    `SELECT a.expert_id, a.project_id, a.seat, a.scheduled_sign_in FROM plan_assignments a
       JOIN plan_projects p ON p.date = a.date AND p.id = a.project_id
      WHERE a.date = $1 AND p.booth_id = $2 ORDER BY a.expert_id, p.scheduled_start, a.project_id`,
    [date, booth.boothId],
  );
  const experts = await q.query<{ id: string; name: string; id_number: string }>(
    `SELECT id, name, id_number FROM experts WHERE id IN (
       SELECT a.expert_id FROM plan_assignments a JOIN plan_projects p ON p.date = a.date AND p.id = a.project_id
        WHERE a.date = $1 AND p.booth_id = $2) ORDER BY id`,
    [date, booth.boothId],
  );
  const photos = await q.query<{ expert_id: string; jpeg: Buffer | Uint8Array }>(
    `SELECT expert_id, jpeg FROM expert_photos WHERE expert_id IN (
       SELECT a.expert_id FROM plan_assignments a JOIN plan_projects p ON p.date = a.date AND p.id = a.project_id
        WHERE a.date = $1 AND p.booth_id = $2) ORDER BY expert_id, sha256`,
    [date, booth.boothId],
  );
  const staff = await q.query<{ id: string; pin_salt: string; pin_hash: string }>(
    `SELECT id, pin_salt, pin_hash FROM plan_staff WHERE date = $1 ORDER BY id`,
    [date],
  );

  const projectList: ProjectInput[] = projects.rows.map((p) => ({
    id: p.id,
    name: p.name,
    section: p.section,
    scheduledStart: isoInstant(p.scheduled_start.getTime()),
    documents: docs.rows
      .filter((d) => d.project_id === p.id)
      .map((d) => ({ id: d.id, title: d.title, places: d.places, url: documentPath(d.sha256), sha256: d.sha256 })),
  }));
  const expertList: ExpertInput[] = experts.rows.map((e) => ({
    expertId: e.id,
    displayName: e.name,
    idNumber: e.id_number,
    photos: photos.rows.filter((p) => p.expert_id === e.id).map((p) => Buffer.from(p.jpeg)),
    assignments: assignments.rows
      .filter((a) => a.expert_id === e.id)
      .map((a) => ({
        projectId: a.project_id,
        seat: a.seat,
        scheduledSignIn: isoInstant(a.scheduled_sign_in.getTime()),
      })),
  }));
  const starts = projects.rows.map((p) => p.scheduled_start.getTime());
  const last = Math.max(...starts, ...assignments.rows.map((a) => a.scheduled_sign_in.getTime()));
  const unlockMs = Math.min(...starts) - o.config.packages.unlockBeforeStartMin * 60_000;
  const expiresMs = last + o.config.packages.expiresAfterLastStartHours * 3_600_000;
  return {
    packageId: packageIdOf(date, booth.boothId),
    version: o.version,
    centre: booth.centre,
    hall: booth.hall,
    booths: [booth.boothId],
    date,
    unlockAt: isoInstant(unlockMs),
    expiresAt: isoInstant(expiresMs),
    projects: projectList,
    staff: staff.rows.map((s) => ({ id: s.id, salt: s.pin_salt, hash: s.pin_hash })),
    experts: expertList,
    recipient: { boothId: booth.boothId, publicKeyPem: booth.publicKeyPem },
    unlockMs,
    expiresMs,
  };
}
