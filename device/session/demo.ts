import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { buildPackage, type ExpertInput } from '../../protocol/session/build.js';
import type { SessionPackage } from '../../protocol/session/schema.js';

/**
 * The demo session: three demo experts (reference photos from test/fixtures/session/faces),
 * two projects with a small report each, sealed to this booth and signed by the demo central
 * key (test/fixtures/session/demo-central.key.pem). Used by `npm start` in simulation, by
 * `npm run demo` and by the tests; a real booth pins a real central key and never sees this.
 */
export const DEMO_STAFF = { id: 'staff-01', pin: '246810' } as const;
export const DEMO_EXPERTS = {
  a: { expertId: 'EXP-1001', displayName: '王建国', idNumber: '110105196503120419' },
  b: { expertId: 'EXP-1002', displayName: '李秀英', idNumber: '310104197008250625' },
  c: { expertId: 'EXP-1003', displayName: '张伟', idNumber: '440304197801150830' },
} as const;

export interface DemoOptions {
  fixturesDir: string;
  boothId: string;
  boothPublicKeyPem: string;
  /** Wall clock, ms: the package unlocks a minute before and expires a day after. */
  now: number;
  /** When the roster unlocks; default one minute before now (already open). */
  unlockAt?: number;
  version?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A plain A4 report of `pages` pages with a labelled box where each seat signs on the last page. */
export async function demoReport(title: string, pages: number, seats: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`${title} - page ${i} of ${pages}`, { x: 56, y: 780, size: 16, font });
    page.drawText('Demo evaluation report (synthetic content).', { x: 56, y: 750, size: 11, font });
    for (let s = 1; s <= seats; s++) {
      const y = 90 + (s - 1) * 70;
      page.drawRectangle({ x: 300, y, width: 200, height: 60, borderColor: rgb(0.5, 0.5, 0.5), borderWidth: 0.5 });
      page.drawText(`Seat ${s}`, { x: 240, y: y + 25, size: 10, font });
    }
  }
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function places(seats: number, pages: number) {
  const out = [];
  for (let page = 1; page <= pages; page++)
    for (let seat = 1; seat <= seats; seat++)
      out.push({ seat, page, x: 300, y: 90 + (seat - 1) * 70, width: 200, height: 60 });
  return out;
}

export async function demoCentralKey(fixturesDir: string): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const privateKeyPem = await readFile(join(fixturesDir, 'session', 'demo-central.key.pem'), 'utf8');
  const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKeyPem, publicKeyPem };
}

export async function buildDemoPackage(o: DemoOptions): Promise<SessionPackage> {
  const faces = join(o.fixturesDir, 'session', 'faces');
  const photo = (name: string) => readFile(join(faces, name));
  const day = iso(o.now).slice(0, 10);
  const start = Date.parse(`${day}T01:00:00Z`); // 09:00 in Beijing
  const signIn = o.now - 12 * 60_000; // expert A is 12 minutes late in the demo
  const experts: ExpertInput[] = [
    {
      ...DEMO_EXPERTS.a,
      photos: [await photo('expert-a.jpg')],
      assignments: [
        { projectId: 'P-2026-001', seat: 1, scheduledSignIn: iso(signIn) },
        { projectId: 'P-2026-002', seat: 2, scheduledSignIn: iso(signIn) },
      ],
    },
    {
      ...DEMO_EXPERTS.b,
      photos: [await photo('expert-b.jpg')],
      assignments: [{ projectId: 'P-2026-001', seat: 2, scheduledSignIn: iso(signIn) }],
    },
    {
      ...DEMO_EXPERTS.c,
      photos: [await photo('expert-c.jpg')],
      assignments: [{ projectId: 'P-2026-002', seat: 1, scheduledSignIn: iso(signIn) }],
    },
  ];
  const central = await demoCentralKey(o.fixturesDir);
  return buildPackage(
    {
      packageId: `demo-${day}`,
      version: o.version ?? 1,
      centre: '演示公共资源交易中心',
      hall: '第一评标室',
      booths: [o.boothId],
      date: day,
      unlockAt: iso(o.unlockAt ?? o.now - 60_000),
      expiresAt: iso(o.now + 24 * 3600_000),
      projects: [
        {
          id: 'P-2026-001',
          name: '市政道路改造工程施工',
          section: '第一标段',
          scheduledStart: iso(start),
          documents: [
            {
              id: 'report',
              title: '评标报告',
              pdf: await demoReport('Evaluation report P-2026-001', 3, 2),
              places: places(2, 3),
            },
          ],
        },
        {
          id: 'P-2026-002',
          name: '学校食堂设备采购',
          section: '第二标段',
          scheduledStart: iso(start + 2 * 3600_000),
          documents: [
            {
              id: 'report',
              title: '评标报告',
              pdf: await demoReport('Evaluation report P-2026-002', 2, 2),
              places: places(2, 2),
            },
          ],
        },
      ],
      staff: [DEMO_STAFF],
      experts,
      recipient: { boothId: o.boothId, publicKeyPem: o.boothPublicKeyPem },
    },
    central.privateKeyPem,
  );
}
