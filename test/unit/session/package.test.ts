import { describe, expect, it, beforeAll } from 'vitest';
import { resolve } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ManualClock } from '../../../device/core/clock.js';
import { isBoothError } from '../../../protocol/errors.js';
import { buildDemoPackage, demoCentralKey, DEMO_EXPERTS } from '../../../device/session/demo.js';
import { signPackage } from '../../../protocol/session/build.js';
import { buildUnlockCommand } from '../../../protocol/session/commands.js';
import { verifyPackage, type RejectionReason } from '../../../protocol/session/verify.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { copy, install, makeVault, p256, snapshot } from './helpers.js';

const fixturesDir = resolve('test/fixtures');
const NOW = Date.parse('2026-11-26T02:00:00Z');

const booth = p256();
let central: { privateKeyPem: string; publicKeyPem: string; publicKey: KeyObject };
let good: SessionPackage;

beforeAll(async () => {
  const c = await demoCentralKey(fixturesDir);
  central = { ...c, publicKey: createPublicKey(c.publicKeyPem) };
  good = await buildDemoPackage({ fixturesDir, boothId: 'booth-7', boothPublicKeyPem: booth.publicKeyPem, now: NOW });
});

const vault = (clock = new ManualClock(NOW), root?: string) =>
  makeVault({ booth, central, clock, ...(root ? { root } : {}) });

function reasonOf(fn: () => unknown): RejectionReason | undefined {
  try {
    fn();
  } catch (err) {
    if (isBoothError(err, 'BOOTH_ERR_SESSION_REJECTED')) return err.details.reason as RejectionReason;
    throw err;
  }
  return undefined;
}

describe('session package', () => {
  const trust = () => ({ centralKey: central.publicKey, boothId: 'booth-7', boothKey: booth.publicKey, now: NOW });

  it('verifies a package signed by the pinned key and sealed to this booth', () => {
    expect(verifyPackage(JSON.stringify(good), trust()).packageId).toBe(good.packageId);
  });

  it('names each failure kind', () => {
    const other = p256();
    const cases: [RejectionReason, unknown][] = [
      ['malformed', '{not json'],
      ['malformed', { ...copy(good), projects: 'none' }],
      ['malformed', { ...copy(good), surprise: 1 }],
      [
        'unsigned',
        (() => {
          const p = copy(good);
          delete p.signature;
          return p;
        })(),
      ],
      [
        'other-key',
        signPackage(
          (() => {
            const p = copy(good);
            delete p.signature;
            return p;
          })(),
          other.privateKeyPem,
        ),
      ],
      ['tampered', { ...copy(good), hall: '第二评标室' }],
      [
        'tampered',
        (() => {
          const p = copy(good);
          p.roster.entries[0]!.identity.tag = p.roster.entries[1]!.identity.tag;
          return p;
        })(),
      ],
    ];
    for (const [reason, input] of cases)
      expect(
        reasonOf(() => verifyPackage(input, trust())),
        reason,
      ).toBe(reason);
    expect(reasonOf(() => verifyPackage(good, { ...trust(), boothId: 'booth-8' }))).toBe('other-booth');
    expect(reasonOf(() => verifyPackage(good, { ...trust(), boothKey: other.publicKey }))).toBe('other-booth');
    expect(reasonOf(() => verifyPackage(good, { ...trust(), now: NOW + 25 * 3600_000 }))).toBe('expired');
    // A booth with no central key pinned yet (before provisioning) accepts nothing.
    expect(reasonOf(() => verifyPackage(good, { ...trust(), centralKey: null }))).toBe('other-key');
  });

  it('rejected packages leave the booth unchanged: files, package, unlock state, memory of versions, audit log', async () => {
    const { v, dir, audits } = await vault();
    await v.load();
    await install(v, good);
    const before = await snapshot(dir);
    const auditCount = audits.length;
    const other = p256();
    const unsigned = copy(good);
    delete unsigned.signature;
    const newer = { ...copy(good), version: 2 };
    const bad: unknown[] = [
      'garbage',
      unsigned,
      signPackage({ ...unsigned, version: 2 }, other.privateKeyPem),
      { ...newer, hall: 'x' },
      good, // same version again: stale
    ];
    for (const input of bad)
      await expect(install(v, input)).rejects.toMatchObject({ code: 'BOOTH_ERR_SESSION_REJECTED' });
    const otherBooth = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-8',
      boothPublicKeyPem: other.publicKeyPem,
      now: NOW,
      version: 3,
    });
    await expect(install(v, otherBooth)).rejects.toMatchObject({ details: { reason: 'other-booth' } });
    const expired = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-7',
      boothPublicKeyPem: booth.publicKeyPem,
      now: NOW - 48 * 3600_000,
      version: 4,
    });
    await expect(install(v, expired)).rejects.toMatchObject({ details: { reason: 'expired' } });
    expect(await snapshot(dir)).toEqual(before);
    expect(v.current?.version).toBe(1);
    expect(v.held).toHaveLength(1);
    expect(v.unlockState()).toEqual({ sealed: false, cause: 'time' });
    expect(audits.length).toBe(auditCount);
  });

  it('stays sealed until the unlock time; opens matching data only, then one identity on verification', async () => {
    const clock = new ManualClock(NOW);
    const locked = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-7',
      boothPublicKeyPem: booth.publicKeyPem,
      now: NOW,
      unlockAt: NOW + 3600_000,
    });
    const { v, audits } = await vault(clock);
    await v.load();
    const { pkg } = await install(v, locked);
    expect(v.unlockState()).toEqual({ sealed: true, cause: null });
    await expect(v.matchingEntries(pkg)).rejects.toMatchObject({ code: 'BOOTH_ERR_SESSION_SEALED' });
    clock.advance(3600_000);
    expect(v.unlockState()).toEqual({ sealed: false, cause: 'time' });
    const entries = await v.matchingEntries(pkg);
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.photos.length === 1 && /^[0-9a-f]{64}$/.test(e.idNumberHash))).toBe(true);
    expect(audits.filter((a) => a.event === 'roster.unlocked')).toHaveLength(1);
    // Nothing of identity yet: no audit of an opening, no name anywhere in the audit log.
    expect(JSON.stringify(audits)).not.toContain(DEMO_EXPERTS.a.displayName);
    expect(audits.find((a) => a.event === 'session.installed')).toMatchObject({ entries: 3 });
    const ref = await v.findByIdNumber(pkg, ' 110105196503120419 ');
    expect(ref).not.toBeNull();
    expect(await v.findByIdNumber(pkg, '110101195001019999')).toBeNull();
    const identity = await v.openIdentity(pkg, ref as string, 'verified', 'staff-witness');
    expect(identity.expertId).toBe(DEMO_EXPERTS.a.expertId);
    expect(identity.assignments.map((a) => a.projectId)).toEqual(['P-2026-001', 'P-2026-002']);
    expect(audits.at(-1)).toMatchObject({ event: 'roster.opened', ref, why: 'verified', expertId: 'EXP-1001' });
  });

  it('opens early only on a signed unlock command for this booth and package', async () => {
    const locked = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-7',
      boothPublicKeyPem: booth.publicKeyPem,
      now: NOW,
      unlockAt: NOW + 3600_000,
    });
    const { v, dir } = await vault();
    await v.load();
    await install(v, locked);
    const other = p256();
    const unlock = (boothId: string, key: string) =>
      buildUnlockCommand({ packageId: locked.packageId, version: locked.version, boothId, issuedAt: NOW }, key);
    const forged = unlock('booth-7', other.privateKeyPem);
    await expect(v.unlockByCommand(forged)).rejects.toMatchObject({ details: { reason: 'other-key' } });
    const elsewhere = unlock('booth-8', central.privateKeyPem);
    await expect(v.unlockByCommand(elsewhere)).rejects.toMatchObject({ details: { reason: 'other-booth' } });
    const { signature: _s, ...unsigned } = unlock('booth-7', central.privateKeyPem);
    await expect(v.unlockByCommand(unsigned)).rejects.toMatchObject({ details: { reason: 'unsigned' } });
    expect(v.unlockState().sealed).toBe(true);
    await v.unlockByCommand(unlock('booth-7', central.privateKeyPem));
    expect(v.unlockState()).toEqual({ sealed: false, cause: 'command' });
    // A restart keeps the unlock: the signed command is stored and re-verified.
    const { v: reloaded } = await vault(new ManualClock(NOW), resolve(dir, '..'));
    expect((await reloaded.load()).problems).toEqual([]);
    expect(reloaded.unlockState()).toEqual({ sealed: false, cause: 'command' });
  });

  it('refuses at install (422, nothing held) a signed package whose roster entry does not open or does not match its schema', async () => {
    const { v, dir, audits } = await vault();
    await v.load();
    const moved = copy(good);
    delete moved.signature;
    const [e0, e1] = moved.roster.entries;
    [e0!.identity, e1!.identity] = [e1!.identity, e0!.identity];
    const before = await snapshot(dir);
    await expect(install(v, signPackage(moved, central.privateKeyPem))).rejects.toMatchObject({
      code: 'BOOTH_ERR_SESSION_REJECTED',
      statusCode: 422,
      details: { reason: 'tampered' },
    });
    expect(v.held).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
    expect(audits).toEqual([]);
  });
});
