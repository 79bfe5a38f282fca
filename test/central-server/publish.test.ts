import { createHash, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPlan } from '../../central/plan/import.js';
import { manifestFor } from '../../central/publish/channel.js';
import { publishDay } from '../../central/publish/publish.js';
import { revokePackage, unlockDay } from '../../central/publish/unlock.js';
import { verifyCommand, verifyUnlock } from '../../protocol/session/commands.js';
import { retiredPath, rotateKey } from '../../central/publish/key-rotation.js';
import { keyId, publicKeyFrom } from '../../protocol/session/keys.js';
import type { IdentityPart, MatchingPart, SessionPackage } from '../../protocol/session/schema.js';
import { openPart, partLabel } from '../../protocol/session/seal.js';
import { verifyPackage } from '../../protocol/session/verify.js';
import { enrollTestBooth, type TestBooth } from './helpers/booths.js';
import { BACKENDS } from './helpers/db.js';
import { testContext, type TestContext } from './helpers/context.js';

const EXAMPLE = resolve('central/examples/day-plan');
const DATE = '2026-12-07';

function trust(t: TestContext, booth: TestBooth) {
  return {
    centralKey: publicKeyFrom(t.ctx.keys.session.publicKeyPem),
    boothId: booth.id,
    boothKey: publicKeyFrom(booth.keys.publicKeyPem),
    now: t.clock.now(),
  };
}

async function stored(t: TestContext, packageId: string, version: number): Promise<Buffer> {
  const r = await t.ctx.db.query<{ body: Uint8Array }>(
    'SELECT body FROM packages WHERE package_id = $1 AND version = $2',
    [packageId, version],
  );
  return Buffer.from(r.rows[0]?.body ?? []);
}

/** What the booth reads from its roster once unlocked and verified: every entry, both parts. */
function openRoster(pkg: SessionPackage, booth: TestBooth) {
  const key = createPrivateKey(booth.keys.privateKeyPem);
  const recipient = keyId(publicKeyFrom(booth.keys.publicKeyPem));
  return pkg.roster.entries.map((e) => {
    const part = (name: 'matching' | 'identity') =>
      JSON.parse(
        openPart(key, e.ephemeralKey, partLabel(pkg.packageId, e.ref, name, recipient), e[name]).toString(),
      ) as unknown;
    return { matching: part('matching') as MatchingPart, identity: part('identity') as IdentityPart };
  });
}

describe.each(BACKENDS)('publish on %s', (backend) => {
  let t: TestContext;
  const booths: Record<string, TestBooth> = {};
  beforeAll(async () => {
    t = await testContext(backend);
    await importPlan(t.ctx, { path: EXAMPLE, date: DATE });
  });
  afterAll(async () => t?.close());

  it('refuses, naming every booth that cannot take its package, and publishes nothing', async () => {
    booths['hall1-b1'] = await enrollTestBooth(t.ctx.db, t.ctx.keys.ca, 'hall1-b1', { room: 'hall-1' });
    await enrollTestBooth(t.ctx.db, t.ctx.keys.ca, 'hall2-b1', { status: 'revoked' });
    const err = await publishDay(t.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BOOTH_ERR_PUBLISH_REFUSED' });
    expect((err as { details: { problems: string[] } }).details.problems).toEqual([
      'booth hall2-b1 (room hall-2, 1 project) is revoked: move its projects to another booth in the plan',
      'booth hall3-b1 (room hall-3, 1 project) is not in the inventory: add and enroll it, or move its projects in the plan',
    ]);
    await enrollTestBooth(t.ctx.db, t.ctx.keys.ca, 'hall3-b1', { certRevoked: true });
    const again = await publishDay(t.ctx, { date: DATE }).catch((e: unknown) => e);
    expect((again as { details: { problems: string[] } }).details.problems).toContain(
      'booth hall3-b1 (room hall-3, 1 project) has no valid certificate (never enrolled, revoked or expired): enroll it first',
    );
    expect((await t.ctx.db.query('SELECT 1 FROM packages')).rowCount).toBe(0);
  });

  it('publishes one package per booth, sealed to its key, signed, documents by url; versions increase', async () => {
    booths['hall2-b1'] = await enrollTestBooth(t.ctx.db, t.ctx.keys.ca, 'hall2-b1', { status: 'active' });
    booths['hall3-b1'] = await enrollTestBooth(t.ctx.db, t.ctx.keys.ca, 'hall3-b1');
    const out = await publishDay(t.ctx, { date: DATE });
    expect(out.packages.map((p) => [p.packageId, p.version, p.projects])).toEqual([
      [`${DATE}.hall1-b1`, 1, ['P-2026-101', 'P-2026-102']],
      [`${DATE}.hall2-b1`, 1, ['P-2026-201']],
      [`${DATE}.hall3-b1`, 1, ['P-2026-301']],
    ]);
    for (const p of out.packages) {
      const booth = booths[p.boothId] as TestBooth;
      const body = await stored(t, p.packageId, 1);
      expect(createHash('sha256').update(body).digest('hex')).toBe(p.sha256);
      const pkg = verifyPackage(body, trust(t, booth));
      for (const d of pkg.projects.flatMap((x) => x.documents)) {
        expect(d.bytes).toBeUndefined();
        expect(d.url).toBe(`/channel/v1/documents/${d.sha256}`);
        expect(d.places.length).toBeGreaterThan(0);
        const blob = await readFile(t.ctx.blobs.pathOf(`h-${d.sha256}`));
        expect(createHash('sha256').update(blob).digest('hex')).toBe(d.sha256);
      }
      // Another booth's key cannot take it.
      const other = Object.values(booths).find((b) => b.id !== booth.id) as TestBooth;
      expect(() => verifyPackage(body, trust(t, other))).toThrow(/other-booth/);
    }
    // 09:00 in Shanghai is 01:00Z: unlock 30 minutes before; expiry 14 h after the last start (14:00).
    const hall1 = verifyPackage(await stored(t, `${DATE}.hall1-b1`, 1), trust(t, booths['hall1-b1'] as TestBooth));
    expect([hall1.unlockAt, hall1.expiresAt]).toEqual(['2026-12-07T00:30:00Z', '2026-12-07T20:00:00Z']);
    expect(hall1.projects[0]?.documents.find((d) => d.id === 'report')?.places).toHaveLength(288);
    expect(hall1.staff.map((s) => s.id)).toEqual(['staff-01', 'staff-02']);
    // hall2 gets only the experts of its project, with only their assignments there.
    const hall2 = verifyPackage(await stored(t, `${DATE}.hall2-b1`, 1), trust(t, booths['hall2-b1'] as TestBooth));
    const roster = openRoster(hall2, booths['hall2-b1'] as TestBooth);
    expect(roster.map((e) => e.identity).sort((a, b) => a.expertId.localeCompare(b.expertId))).toEqual([
      {
        expertId: 'EXP-1001',
        displayName: '王建国',
        assignments: [{ projectId: 'P-2026-201', seat: 1, scheduledSignIn: '2026-12-07T01:15:00Z' }],
      },
      {
        expertId: 'EXP-1002',
        displayName: '李秀英',
        assignments: [{ projectId: 'P-2026-201', seat: 2, scheduledSignIn: '2026-12-07T01:15:00Z' }],
      },
    ]);
    const photoA = await readFile(resolve(EXAMPLE, 'photos/expert-a.jpg'));
    expect(roster.some((e) => e.matching.photos[0] === photoA.toString('base64'))).toBe(true);

    const second = await publishDay(t.ctx, { date: DATE });
    expect(second.packages.map((p) => p.version)).toEqual([2, 2, 2]);
    expect((await t.ctx.db.query('SELECT 1 FROM packages')).rowCount).toBe(6);
    const manifest = await manifestFor(t.ctx, 'hall1-b1');
    expect(manifest.packages).toEqual([expect.objectContaining({ packageId: `${DATE}.hall1-b1`, version: 2 })]);
  });

  it('unlock is delivered from its time on, bound to the newest version, and carried to a new one', async () => {
    const out = await unlockDay(t.ctx, { date: DATE, at: '08:00' });
    expect(out.commands.map((c) => [c.boothId, c.version, c.deliverFrom])).toEqual([
      ['hall1-b1', 2, '2026-12-07T00:00:00Z'],
      ['hall2-b1', 2, '2026-12-07T00:00:00Z'],
      ['hall3-b1', 2, '2026-12-07T00:00:00Z'],
    ]);
    expect((await manifestFor(t.ctx, 'hall1-b1')).commands).toEqual([]);
    t.clock.ms = Date.parse('2026-12-07T00:00:00Z');
    const [cmd] = (await manifestFor(t.ctx, 'hall1-b1')).commands;
    const booth = booths['hall1-b1'] as TestBooth;
    const v2 = verifyPackage(await stored(t, `${DATE}.hall1-b1`, 2), trust(t, booth));
    expect(verifyUnlock(cmd, v2, trust(t, booth))).toMatchObject({ version: 2, boothId: 'hall1-b1' });

    const third = await publishDay(t.ctx, { date: DATE });
    expect(third.packages.every((p) => p.unlockCarried && p.version === 3)).toBe(true);
    const commands = (await manifestFor(t.ctx, 'hall1-b1')).commands;
    expect(commands.map((c) => c.type === 'unlock' && c.version)).toEqual([3]);
    const v3 = verifyPackage(await stored(t, `${DATE}.hall1-b1`, 3), trust(t, booth));
    expect(verifyUnlock(commands[0], v3, trust(t, booth))).toMatchObject({ version: 3 });
    // A day later the booth would refuse the command as too old: it is no longer delivered.
    t.clock.ms += 25 * 3_600_000;
    expect((await manifestFor(t.ctx, 'hall1-b1')).commands).toEqual([]);
    t.clock.ms = Date.parse('2026-12-07T00:00:00Z');
  });

  it('revoke withdraws a booth package: no longer in the manifest, a signed revoke instead', async () => {
    const out = await revokePackage(t.ctx, { date: DATE, booth: 'hall3-b1', reason: 'moved to another day' });
    expect(out).toMatchObject({ packageId: `${DATE}.hall3-b1`, version: 3 });
    const manifest = await manifestFor(t.ctx, 'hall3-b1');
    expect(manifest.packages).toEqual([]);
    expect(manifest.commands.map((c) => c.type)).toEqual(['revoke']);
    await expect(unlockDay(t.ctx, { date: DATE })).resolves.toMatchObject({
      commands: [expect.objectContaining({ boothId: 'hall1-b1' }), expect.objectContaining({ boothId: 'hall2-b1' })],
    });
  });

  it('refuses a stored plan whose project would be served by two booths (a plan edited after import)', async () => {
    await t.ctx.db.query(`INSERT INTO plan_rooms (date, room, booth_id) VALUES ($1, 'hall-1', 'hall1-b2')`, [DATE]);
    const before = (await t.ctx.db.query('SELECT 1 FROM packages')).rowCount;
    const err = await publishDay(t.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BOOTH_ERR_PUBLISH_REFUSED' });
    expect((err as { details: { problems: string[] } }).details.problems).toEqual([
      "project P-2026-101: room hall-1 has booths hall1-b1, hall1-b2 and the plan names none; a project's documents are sealed at one booth",
      "project P-2026-102: room hall-1 has booths hall1-b1, hall1-b2 and the plan names none; a project's documents are sealed at one booth",
    ]);
    expect((await t.ctx.db.query('SELECT 1 FROM packages')).rowCount).toBe(before);
    await t.ctx.db.query(`DELETE FROM plan_rooms WHERE booth_id = 'hall1-b2'`);
  });

  it('key rotation: every manifest carries the chain, each step signed afresh by the key it rotates from', async () => {
    const booth = booths['hall1-b1'] as TestBooth;
    const k1 = t.ctx.keys.session;
    const escrow1 = t.ctx.keys.escrow;
    const first = await rotateKey(t.ctx, { purpose: 'session' });
    await rotateKey(t.ctx, { purpose: 'escrow' });
    const third = await rotateKey(t.ctx, { purpose: 'session' });
    expect(first).toMatchObject({ previousKeyId: k1.keyId, signedBy: k1.keyId });
    expect(third).toMatchObject({ previousKeyId: first.keyId, signedBy: first.keyId, keyId: t.ctx.keys.session.keyId });
    // Old keys are kept: the retired session keys sign the chain, the retired escrow key opens old dynamics.
    expect(await readFile(retiredPath(t.dataDir, 'session', k1.keyId), 'utf8')).toBe(k1.privateKeyPem);
    expect(await readFile(retiredPath(t.dataDir, 'escrow', escrow1.keyId), 'utf8')).toBe(escrow1.privateKeyPem);

    // A booth still pinning the first key follows the chain step by step, days later.
    t.clock.ms += 5 * 86_400_000;
    const commands = (await manifestFor(t.ctx, 'hall1-b1')).commands.filter((c) => c.type === 'key-rotation');
    expect(commands.map((c) => c.type === 'key-rotation' && c.purpose)).toEqual(['session', 'escrow', 'session']);
    let pinned = publicKeyFrom(k1.publicKeyPem);
    for (const c of commands) {
      const ok = verifyCommand(c, { ...trust(t, booth), centralKey: pinned });
      if (ok.type === 'key-rotation' && ok.purpose === 'session') pinned = publicKeyFrom(ok.publicKeyPem);
    }
    expect(keyId(pinned)).toBe(third.keyId);
    // A booth on the newest key cannot be rolled back by the earlier steps.
    expect(() => verifyCommand(commands[0], { ...trust(t, booth), centralKey: pinned })).toThrow(/other-key/);
    t.clock.ms = Date.parse('2026-12-07T00:00:00Z');
    const next = await publishDay(t.ctx, { date: DATE });
    const body = await stored(t, `${DATE}.hall1-b1`, next.packages[0]?.version ?? 0);
    expect(verifyPackage(body, { ...trust(t, booth), centralKey: pinned }).signature?.keyId).toBe(third.keyId);
  });
});
