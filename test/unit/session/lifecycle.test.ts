import { beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ManualClock } from '../../../device/core/clock.js';
import { buildKeyRotation, buildRevokeCommand, buildUnlockCommand } from '../../../protocol/session/commands.js';
import { canonicalJson } from '../../../protocol/session/canonical.js';
import { keyId } from '../../../protocol/session/keys.js';
import { partLabel, sealEntry } from '../../../protocol/session/seal.js';
import { signPackage } from '../../../protocol/session/build.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { SessionLifecycle } from '../../../device/visit/session-lifecycle.js';
import type { CommittedRecord } from '../../../device/core/ports.js';
import { buildTestPackage, copy, install, makeVault, p256, snapshot, type KeyPair, type TestVault } from './helpers.js';

/**
 * The package lifecycle at the vault: versions remembered for good, closes that never reopen,
 * several packages held at once, unlock commands bound to a version and obeyed once, key
 * rotation, installs one at a time. Each `it` names the defect of issue 13 it pins down.
 */
const NOW = Date.parse('2026-11-26T02:00:00Z');
const HOUR = 3600_000;
let booth: KeyPair;
let central: KeyPair;

beforeAll(() => {
  booth = p256();
  central = p256();
});

const pkg = (o: Partial<Parameters<typeof buildTestPackage>[0]> = {}, signer: KeyPair = central): SessionPackage =>
  buildTestPackage({ central: signer, booth, unlockAt: NOW - HOUR, expiresAt: NOW + 12 * HOUR, ...o });

async function fresh(clock = new ManualClock(NOW)): Promise<TestVault> {
  const t = await makeVault({ booth, central, clock });
  await t.v.load();
  return t;
}

/** The same data directory after a restart. */
async function restart(t: TestVault, clock = t.clock): Promise<TestVault> {
  const again = await makeVault({ booth, central, clock, root: dirname(t.dir) });
  const report = await again.v.load();
  expect(report.problems).toEqual([]);
  return again;
}

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'installed',
    (e: { details?: { reason?: string }; code?: string }) => e.details?.reason ?? e.code,
  );

describe('versions', () => {
  it('an older version is stale whatever was installed between, also after a restart', async () => {
    const t = await fresh();
    await install(t.v, pkg({ packageId: 'A', version: 3 }));
    await install(t.v, pkg({ packageId: 'B', version: 1 }));
    await install(t.v, pkg({ packageId: 'B', version: 2 }));
    expect(await reason(install(t.v, pkg({ packageId: 'A', version: 2 })))).toBe('stale');
    const r = await restart(t);
    expect(await reason(install(r.v, pkg({ packageId: 'A', version: 2 })))).toBe('stale');
    expect(await reason(install(r.v, pkg({ packageId: 'A', version: 3 })))).toBe('stale');
    expect(await reason(install(r.v, pkg({ packageId: 'B', version: 1 })))).toBe('stale');
    expect(r.v.held.map((p) => `${p.packageId}@${p.version}`).sort()).toEqual(['A@3', 'B@2']);
  });

  it('the journal raises a lost state file: a rollback stays refused', async () => {
    const t = await fresh();
    await install(t.v, pkg({ packageId: 'A', version: 5 }));
    await t.v.end(t.v.held[0]!, 'close');
    await rm(join(t.dir, 'state.json'));
    await rm(join(t.dir, 'state.json.bak'), { force: true });
    // What the journal holds: the vault's audits and the no-show pass's session.closed (SessionLifecycle).
    t.audits.push({ event: 'session.closed', packageId: 'A', version: 5, cause: 'close', noShows: 0 });
    const records = t.audits.map(
      (payload, i) => ({ kind: 'audit', payload, time: { wall: NOW + i, synced: true } }) as unknown as CommittedRecord,
    );
    const floor = SessionLifecycle.floor(records);
    const again = await makeVault({ booth, central, clock: t.clock, root: dirname(t.dir) });
    await again.v.load(floor);
    expect(await reason(install(again.v, pkg({ packageId: 'A', version: 5 })))).toBe('stale'); // highest
    expect(await reason(install(again.v, pkg({ packageId: 'A', version: 6 })))).toBe('stale'); // closed
  });

  it('a closed package never reopens, not even with a newer version', async () => {
    const t = await fresh();
    const { pkg: a } = await install(t.v, pkg({ packageId: 'A', version: 1 }));
    await t.v.end(a, 'close');
    expect(t.v.held).toEqual([]);
    expect(await reason(install(t.v, pkg({ packageId: 'A', version: 2 })))).toBe('stale');
    const r = await restart(t);
    expect(await reason(install(r.v, pkg({ packageId: 'A', version: 9 })))).toBe('stale');
  });

  it('a revoke closes the versions up to its own for good; a later version installs', async () => {
    const t = await fresh();
    await install(t.v, pkg({ packageId: 'A', version: 2 }));
    const revoke = buildRevokeCommand(
      { packageId: 'A', version: 3, boothId: 'booth-7', issuedAt: NOW, reason: 'moved to hall 3' },
      central.privateKeyPem,
    );
    const ended: string[] = [];
    const r = await t.v.revoke(revoke, { ended: async (p) => void ended.push(`${p.packageId}@${p.version}`) });
    expect(r.ended?.version).toBe(2);
    expect(ended).toEqual(['A@2']);
    expect(t.v.held).toEqual([]);
    expect(await reason(install(t.v, pkg({ packageId: 'A', version: 3 })))).toBe('stale');
    expect(await reason(t.v.revoke(revoke))).toBe('stale'); // obeyed once
    expect(await reason(install(t.v, pkg({ packageId: 'A', version: 4 })))).toBe('installed');
  });

  it('a visit cannot commit into a package that ended', async () => {
    const t = await fresh();
    const { pkg: a } = await install(t.v, pkg({ packageId: 'A', version: 1 }));
    expect(await t.v.whileOpen(a, async () => 'committed')).toBe('committed');
    await t.v.end(a, 'close');
    await expect(t.v.whileOpen(a, async () => 'committed')).rejects.toMatchObject({ code: 'BOOTH_ERR_SESSION_NONE' });
  });
});

describe('several packages', () => {
  it("uses the earliest open one by unlockAt; tonight's waits until today's ends or expires", async () => {
    const clock = new ManualClock(NOW);
    const t = await fresh(clock);
    const tonight = pkg({ packageId: 'tomorrow', unlockAt: NOW + 22 * HOUR, expiresAt: NOW + 34 * HOUR });
    const today = pkg({ packageId: 'today', unlockAt: NOW - HOUR, expiresAt: NOW + 12 * HOUR });
    await install(t.v, tonight);
    await install(t.v, today);
    expect(t.v.held.map((p) => p.packageId)).toEqual(['today', 'tomorrow']);
    expect(t.v.current?.packageId).toBe('today');
    const docs = await snapshot(t.v.documents.dir);
    expect(Object.keys(docs)).toHaveLength(1); // one PDF, named by its hash, however many packages name it
    clock.advance(13 * HOUR);
    expect(t.v.current?.packageId).toBe('tomorrow');
    expect(t.v.unlockState().sealed).toBe(true);
    const r = await restart(t);
    expect(r.v.held.map((p) => p.packageId)).toEqual(['today', 'tomorrow']);
    expect((await r.v.load()).expired.map((p) => p.packageId)).toEqual(['today']);
  });
});

describe('unlock commands', () => {
  it('bound to package id and version, obeyed once (also after a restart), only inside the time window', async () => {
    const t = await fresh();
    const sealed = { unlockAt: NOW + 6 * HOUR, expiresAt: NOW + 12 * HOUR };
    await install(t.v, pkg({ packageId: 'A', version: 1, ...sealed }));
    const v1 = buildUnlockCommand(
      { packageId: 'A', version: 1, boothId: 'booth-7', issuedAt: NOW },
      central.privateKeyPem,
    );
    await install(t.v, pkg({ packageId: 'A', version: 2, ...sealed }));
    expect(await reason(t.v.unlockByCommand(v1))).toBe('stale'); // for v1, v2 is held
    const at = (issuedAt: number) =>
      buildUnlockCommand({ packageId: 'A', version: 2, boothId: 'booth-7', issuedAt }, central.privateKeyPem);
    expect(await reason(t.v.unlockByCommand(at(Date.parse('2099-01-01T00:00:00Z'))))).toBe('malformed');
    expect(await reason(t.v.unlockByCommand(at(NOW - 25 * HOUR)))).toBe('expired');
    expect(t.v.unlockState().sealed).toBe(true);
    const good = at(NOW);
    await t.v.unlockByCommand(good);
    expect(t.v.unlockState()).toEqual({ sealed: false, cause: 'command' });
    expect(await reason(t.v.unlockByCommand(good))).toBe('stale');
    // The unlock is bound to v2: a v3 arrives sealed again, and the v2 command does not open it.
    await install(t.v, pkg({ packageId: 'A', version: 3, ...sealed }));
    expect(t.v.unlockState().sealed).toBe(true);
    const r = await restart(t);
    expect(r.v.unlockState().sealed).toBe(true);
    expect(await reason(r.v.unlockByCommand(good))).toBe('stale');
  });
});

describe('roster checked at install', () => {
  it('refuses (422, nothing changes) an entry that opens but does not match its schema', async () => {
    const t = await fresh();
    const p = copy(pkg({ packageId: 'A' }));
    delete p.signature;
    const entry = p.roster.entries[0]!;
    const recipient = p.roster.recipient.keyId;
    const bad = sealEntry(
      booth.publicKey,
      {
        matching: partLabel(p.packageId, entry.ref, 'matching', recipient),
        identity: partLabel(p.packageId, entry.ref, 'identity', recipient),
      },
      {
        matching: Buffer.from(canonicalJson({ photos: [], templates: [], idNumberHash: 'f'.repeat(64) })),
        identity: Buffer.from(canonicalJson({ expertId: 'EXP-9', displayName: 'Nine', assignments: [] })),
      },
    );
    p.roster.entries[0] = { ref: entry.ref, ...bad };
    const before = await snapshot(t.dir);
    const e = await install(t.v, signPackage(p, central.privateKeyPem)).catch((err: unknown) => err);
    expect(e).toMatchObject({ statusCode: 422, details: { reason: 'malformed' } });
    expect((e as Error).message).toMatch(/identity part: \/assignments: expected/);
    expect((e as Error).message).not.toContain('Nine');
    expect(await snapshot(t.dir)).toEqual(before);
    expect(t.v.held).toEqual([]);
    expect(t.audits).toEqual([]);
  });
});

describe('key rotation', () => {
  it('a new session key signed by the current one replaces it; packages it signed before stay valid after a restart', async () => {
    const t = await fresh();
    await install(t.v, pkg({ packageId: 'A' }));
    const next = p256();
    const forged = buildKeyRotation(
      { purpose: 'session', boothId: 'booth-7', publicKeyPem: next.publicKeyPem, issuedAt: NOW },
      next.privateKeyPem,
    );
    expect(await reason(t.v.rotateKey(forged))).toBe('other-key');
    const rotation = buildKeyRotation(
      { purpose: 'session', boothId: 'booth-7', publicKeyPem: next.publicKeyPem, issuedAt: NOW },
      central.privateKeyPem,
    );
    await t.v.rotateKey(rotation);
    expect(await readFile(join(t.identityDir, 'central-session.pem'), 'utf8')).toBe(next.publicKeyPem);
    expect(t.keys.session?.keyId).toBe(keyId(next.publicKey));
    expect(await reason(install(t.v, pkg({ packageId: 'B' })))).toBe('other-key'); // the old key signs no more
    expect(await reason(install(t.v, pkg({ packageId: 'B' }, next)))).toBe('installed');
    expect(await reason(t.v.rotateKey(rotation))).toBe('other-key'); // signed by the key it retired
    const r = await restart(t);
    expect(r.v.held.map((p) => p.packageId).sort()).toEqual(['A', 'B']);
    // A, signed by the retired key, ends: the retired key goes with it.
    await r.v.end(
      r.v.held.find((p) => p.packageId === 'A')!,
      'close',
    );
    expect(r.v.memory.retiredKeys).toEqual([]);
    const escrow = p256();
    await r.v.rotateKey(
      buildKeyRotation(
        { purpose: 'escrow', boothId: 'booth-7', publicKeyPem: escrow.publicKeyPem, issuedAt: NOW },
        next.privateKeyPem,
      ),
    );
    expect(await readFile(join(t.identityDir, 'central-escrow.pem'), 'utf8')).toBe(escrow.publicKeyPem);
  });
});

describe('installs one at a time', () => {
  it('12 concurrent versions: every answer installed or stale, memory equals disk, the newest wins after a restart', async () => {
    const t = await fresh();
    const versions = Array.from({ length: 12 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const answers = await Promise.all(versions.map((v) => reason(install(t.v, pkg({ packageId: 'A', version: v })))));
    expect(new Set(answers)).toEqual(new Set(answers.filter((a) => a === 'installed' || a === 'stale')));
    expect(answers[versions.indexOf(12)]).toBe('installed');
    const onDisk = JSON.parse(await readFile(join(t.dir, 'packages', 'A', 'package.json'), 'utf8')) as SessionPackage;
    expect(onDisk.version).toBe(12);
    expect(t.v.current?.version).toBe(12);
    const r = await restart(t);
    expect(r.v.current?.version).toBe(12);
  });
});
