import type { Queryable } from '../../../central/db/db.js';

/**
 * Plans and booth facts written straight into the tables the reports read (plan_* and the
 * facts tables are the contract with ingestion, which fills them from collected records).
 * Times are local to Asia/Shanghai: `at('09:05')` on the date given.
 */
export const at = (date: string, hhmm: string) => `${date}T${hhmm}:00+08:00`;

export async function booth(q: Queryable, id: string, room: string, lastContactAt: string | null = null) {
  await q.query('INSERT INTO booths (id, room, last_contact_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
    id,
    room,
    lastContactAt,
  ]);
}

export async function expert(q: Queryable, id: string, name: string) {
  await q.query(
    `INSERT INTO experts (id, name, id_number, updated_at) VALUES ($1, $2, 'x', now()) ON CONFLICT (id) DO NOTHING`,
    [id, name],
  );
}

export async function project(
  q: Queryable,
  p: { date: string; id: string; name?: string; section?: string; room: string; booth: string; start: string },
) {
  await q.query(
    'INSERT INTO plan_projects (date, id, name, section, room, booth_id, scheduled_start) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [p.date, p.id, p.name ?? `project ${p.id}`, p.section ?? '1', p.room, p.booth, at(p.date, p.start)],
  );
}

export async function assign(
  q: Queryable,
  a: { date: string; project: string; expert: string; seat: number; time: string },
) {
  await q.query(
    'INSERT INTO plan_assignments (date, project_id, expert_id, seat, scheduled_sign_in) VALUES ($1, $2, $3, $4, $5)',
    [a.date, a.project, a.expert, a.seat, at(a.date, a.time)],
  );
}

let seq = 0;

export async function sign(
  q: Queryable,
  s: {
    date: string;
    booth: string;
    project: string;
    expert: string;
    seat: number;
    action?: 'sign' | 'dissent' | 'refuse';
    method?: 'face' | 'staff-witness';
    scheduled: string;
    signedIn: string;
    sealed?: string | null;
    late?: number;
    synced?: boolean;
    witness?: string | null;
    override?: string | null;
    version?: number;
    signId?: string;
  },
) {
  seq += 1;
  await q.query(
    `INSERT INTO sign_facts (booth_id, seq, date, package_id, package_version, sign_id, expert_id, project_id, seat,
       action, method, scheduled_sign_in, signed_in_at, late_minutes, clock_synced, witness_staff_id,
       override_staff_id, documents, sealed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '[]', $18)`,
    [
      s.booth,
      seq,
      s.date,
      `${s.date}.${s.booth}`,
      s.version ?? 1,
      s.signId ?? `S-${seq}`,
      s.expert,
      s.project,
      s.seat,
      s.action ?? 'sign',
      s.method ?? 'face',
      at(s.date, s.scheduled),
      at(s.date, s.signedIn),
      s.late ?? 0,
      s.synced ?? true,
      s.witness ?? null,
      s.override ?? null,
      s.sealed === null ? null : at(s.date, s.sealed ?? s.signedIn),
    ],
  );
}

export async function noShow(
  q: Queryable,
  n: {
    date: string;
    booth: string;
    project: string;
    expert: string;
    seat: number;
    cause?: 'close' | 'expiry' | 'replaced' | 'revoked';
    closed?: string;
    version?: number;
  },
) {
  seq += 1;
  await q.query(
    `INSERT INTO no_show_facts (booth_id, seq, date, package_id, package_version, expert_id, project_id, seat, cause, closed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      n.booth,
      seq,
      n.date,
      `${n.date}.${n.booth}`,
      n.version ?? 1,
      n.expert,
      n.project,
      n.seat,
      n.cause ?? 'close',
      at(n.date, n.closed ?? '18:00'),
    ],
  );
}

export async function visit(
  q: Queryable,
  v: {
    date: string | null;
    booth: string;
    expert: string | null;
    project?: string | null;
    outcome: string;
    attempts: number;
    /** ISO instant the visit started (for visits without a package date). */
    startedAt: string;
  },
) {
  seq += 1;
  await q.query(
    `INSERT INTO visit_facts (booth_id, seq, date, package_id, expert_id, project_id, outcome, method, attempts, started_at, left_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'face', $8, $9, $9)`,
    [
      v.booth,
      seq,
      v.date,
      v.date ? `${v.date}.${v.booth}` : null,
      v.expert,
      v.project ?? null,
      v.outcome,
      v.attempts,
      v.startedAt,
    ],
  );
}
