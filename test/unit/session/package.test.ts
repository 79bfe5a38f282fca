import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ManualClock } from '../../../device/core/clock.js';
import { isBoothError } from '../../../protocol/errors.js';
import { buildDemoPackage, demoCentralKey, DEMO_EXPERTS } from '../../../device/session/demo.js';
import { signPackage } from '../../../protocol/session/build.js';
import { buildUnlockCommand } from '../../../protocol/session/commands.js';
import { SessionVault } from '../../../device/session/vault.js';
import { verifyPackage, type RejectionReason } from '../../../protocol/session/verify.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';

const fixturesDir = resolve('test/fixtures');
const NOW = Date.parse('2026-11-26T02:00:00Z');

function p256() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const booth = p256();
let central: { privateKeyPem: string; publicKey: KeyObject };
let good: SessionPackage;

beforeAll(async () => {
  const c = await demoCentralKey(fixturesDir);
  central = { privateKeyPem: c.privateKeyPem, publicKey: createPublicKey(c.publicKeyPem) };
  good = await buildDemoPackage({ fixturesDir, boothId: 'booth-7', boothPublicKeyPem: booth.publicKeyPem, now: NOW });
});

async function vault(clock = new ManualClock(NOW), existingDir?: string) {
  const dir = existingDir ?? (await mkdtemp(join(tmpdir(), 'session-')));
  const audits: Record<string, unknown>[] = [];
  const v = new SessionVault({
    dir,
    boothId: 'booth-7',
    boothPrivateKey: createPrivateKey(booth.privateKeyPem),
    boothPublicKey: booth.publicKey,
    centralKey: central.publicKey,
    clock,
    audit: async (p) => {
      audits.push(p);
    },
  });
  return { v, dir, audits, clock };
}

const copy = (p: SessionPackage): SessionPackage => structuredClone(p);

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

  it('rejected packages leave the booth unchanged: file, package, unlock state and audit log', async () => {
    const { v, dir, audits } = await vault();
    await v.install(good);
    const before = await readFile(join(dir, 'package.json'));
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
      await expect(v.install(input)).rejects.toMatchObject({ code: 'BOOTH_ERR_SESSION_REJECTED' });
    const otherBooth = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-8',
      boothPublicKeyPem: other.publicKeyPem,
      now: NOW,
      version: 3,
    });
    await expect(v.install(otherBooth)).rejects.toMatchObject({ details: { reason: 'other-booth' } });
    const expired = await buildDemoPackage({
      fixturesDir,
      boothId: 'booth-7',
      boothPublicKeyPem: booth.publicKeyPem,
      now: NOW - 48 * 3600_000,
      version: 4,
    });
    await expect(v.install(expired)).rejects.toMatchObject({ details: { reason: 'expired' } });
    expect(await readFile(join(dir, 'package.json'))).toEqual(before);
    expect(v.current).toEqual(good);
    expect(audits.length).toBe(auditCount);
    expect((await readdir(dir)).sort()).toEqual(['package.json']);
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
    await v.install(locked);
    expect(v.unlockState()).toEqual({ sealed: true, cause: null });
    await expect(v.matchingEntries()).rejects.toMatchObject({ code: 'BOOTH_ERR_SESSION_SEALED' });
    clock.advance(3600_000);
    expect(v.unlockState()).toEqual({ sealed: false, cause: 'time' });
    const entries = await v.matchingEntries();
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.photos.length === 1 && /^[0-9a-f]{64}$/.test(e.idNumberHash))).toBe(true);
    expect(audits.filter((a) => a.event === 'roster.unlocked')).toHaveLength(1);
    // Nothing of identity yet: no audit of an opening, no name anywhere in the audit log.
    expect(JSON.stringify(audits)).not.toContain(DEMO_EXPERTS.a.displayName);
    const ref = await v.findByIdNumber(' 110101195001011234 ');
    expect(ref).not.toBeNull();
    expect(await v.findByIdNumber('110101195001019999')).toBeNull();
    const identity = await v.openIdentity(ref as string, 'verified', 'staff-witness');
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
    await v.install(locked);
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
    const { v: reloaded } = await vault(new ManualClock(NOW), dir);
    expect(await reloaded.load()).toEqual({ loaded: true });
    expect(reloaded.unlockState()).toEqual({ sealed: false, cause: 'command' });
  });

  it('refuses an entry part moved to another entry even when the package is re-signed', async () => {
    const p = copy(good);
    delete p.signature;
    const [e0, e1] = p.roster.entries;
    [e0!.identity, e1!.identity] = [e1!.identity, e0!.identity];
    const { v } = await vault();
    await v.install(signPackage(p, central.privateKeyPem));
    await expect(v.openIdentity(e0!.ref, 'verified')).rejects.toMatchObject({ details: { reason: 'tampered' } });
  });
});
