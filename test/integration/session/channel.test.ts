import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../../device/config/load.js';
import { EventBus } from '../../../device/core/events.js';
import { identityPaths, loadOrCreateIdentity } from '../../../device/crypto/identity.js';
import { systemClock } from '../../../device/hardware/system-clock.js';
import { CentralKeys } from '../../../device/session/central-keys.js';
import { PackageChannel } from '../../../device/session/channel.js';
import { SessionVault } from '../../../device/session/vault.js';
import { JournalRecordStore } from '../../../device/store/index.js';
import { loadSyncTls } from '../../../device/sync/tls.js';
import { channelTarget, SessionLifecycle } from '../../../device/visit/session-lifecycle.js';
import { buildKeyRotation, buildRevokeCommand, buildUnlockCommand } from '../../../protocol/session/commands.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { createCentralCa, enrollBoothForTests } from '../../central/ca.js';
import { buildTestPackage, p256, snapshot, tinyPdf, type KeyPair } from '../../unit/session/helpers.js';
import { startChannelServer, type ChannelServer } from './channel-server.js';

/**
 * The booth's package channel against a channel server over real mutual TLS: packages and url
 * documents streamed to disk and checked, refusals that change nothing, resumed downloads, signed
 * commands from the manifest, reports. The package check runs on its worker thread, as in service.
 */
const BOOTH = 'booth-7';
const HOUR = 3600_000;
let server: ChannelServer;
let central: KeyPair;
let boothKeys: { publicKeyPem: string };
let dataDir: string;
let store: JournalRecordStore;
let vault: SessionVault;
let lifecycle: SessionLifecycle;
let channel: PackageChannel;
const MAX_PACKAGE = 256 * 1024;

function pkg(o: Partial<Parameters<typeof buildTestPackage>[0]>, signer: KeyPair = central): SessionPackage {
  const now = Date.now();
  return buildTestPackage({
    central: signer,
    booth: boothKeys,
    boothId: BOOTH,
    unlockAt: now - HOUR,
    expiresAt: now + 12 * HOUR,
    url: true,
    ...o,
  });
}

const held = () => vault.held.map((p) => `${p.packageId}@${p.version}`).sort();
const reportOf = (packageId: string) => server.reports.filter((r) => r.packageId === packageId);

beforeAll(async () => {
  const ca = await createCentralCa();
  dataDir = await mkdtemp(join(tmpdir(), 'channel-'));
  await enrollBoothForTests(ca, dataDir, BOOTH);
  const identity = await loadOrCreateIdentity(dataDir, BOOTH);
  const boothPrivate = createPrivateKey(identity.privateKeyPem);
  const boothPublic = createPublicKey(boothPrivate);
  boothKeys = { publicKeyPem: boothPublic.export({ type: 'spki', format: 'pem' }).toString() };
  central = p256();
  const dir = identityPaths(dataDir).dir;
  await writeFile(join(dir, 'central-session.pem'), central.publicKeyPem);
  server = await startChannelServer(ca, BOOTH);

  const config = parseConfig({ booth: { id: BOOTH }, dataDir });
  const bus = new EventBus();
  const logger = pino({ level: 'silent' });
  store = new JournalRecordStore({
    dataDir,
    boothId: BOOTH,
    config: config.store,
    clock: systemClock,
    bus,
    clockSynced: () => true,
  });
  await store.start();
  const keys = new CentralKeys({ session: join(dir, 'central-session.pem'), escrow: join(dir, 'central-escrow.pem') });
  await keys.load();
  vault = new SessionVault({
    dir: join(dataDir, 'session'),
    boothId: BOOTH,
    boothPrivateKey: boothPrivate,
    boothPrivateKeyPem: identity.privateKeyPem,
    boothPublicKey: boothPublic,
    boothPublicKeyPem: boothKeys.publicKeyPem,
    keys,
    clock: systemClock,
    audit: async (payload) => void (await store.commit({ kind: 'audit', payload: { boothId: BOOTH, ...payload } })),
  });
  await vault.load();
  lifecycle = new SessionLifecycle({
    vault,
    store,
    service: () => null,
    bus,
    logger,
    clock: systemClock,
    boothId: BOOTH,
  });
  channel = new PackageChannel({
    settings: {
      url: server.url,
      pollMs: HOUR,
      maxPackageBytes: MAX_PACKAGE,
      maxDocumentBytes: 8 * 1024 * 1024,
      requestTimeoutMs: 10_000,
    },
    tls: () => loadSyncTls(dataDir, identity, { centralCaFile: '', centralCaFingerprint256: '' }),
    target: channelTarget(vault, lifecycle),
    bus,
    clock: systemClock,
    logger,
    boothId: BOOTH,
    retryMs: HOUR,
  });
  await channel.start();
  expect(channel.status).toMatch(/^on /);
  lifecycle.attachFetcher(channel.fetchDocuments);
}, 60_000);

afterAll(async () => {
  await channel?.stop();
  await store?.stop();
  await server?.close();
});

describe('package channel', { timeout: 60_000 }, () => {
  it('fetches a package and its url documents over mutual TLS, streamed to disk and checked, and reports the install', async () => {
    const big = tinyPdf('big', 3 * 1024 * 1024);
    const small = tinyPdf('small');
    server.document(big);
    server.document(small);
    server.publish(pkg({ packageId: 'P1', pdfs: [big, small] }));
    const r = await channel.round();
    expect(r).toMatchObject({ installed: ['P1 v1'], refused: [], error: null });
    expect(held()).toContain('P1@1');
    for (const d of vault.held.find((p) => p.packageId === 'P1')!.projects[0]!.documents) {
      expect(d.bytes).toBeUndefined();
      expect(await vault.documents.has(d.sha256)).toBe(true);
    }
    expect(new Set(server.peers)).toEqual(new Set([BOOTH])); // the enrolled certificate, every request
    expect(reportOf('P1')).toMatchObject([{ state: 'installed', version: 1 }]);
    // The next round has nothing to fetch.
    const before = server.requests.length;
    await channel.round();
    expect(server.requests.slice(before).map((q) => q.path)).toEqual(['/channel/v1/manifest']);
  });

  it('a document with the wrong bytes, missing, or on another origin: the package is not installed and nothing changes', async () => {
    const wrong = tinyPdf('wrong');
    const wrongSha = server.document(wrong);
    server.corrupt.add(wrongSha);
    server.publish(pkg({ packageId: 'P2', pdfs: [wrong] }));
    server.publish(pkg({ packageId: 'P3', pdfs: [tinyPdf('never published')] }));
    server.publish(
      pkg({ packageId: 'P4', pdfs: [tinyPdf('elsewhere')], url: (sha) => `https://elsewhere.example/${sha}` }),
    );
    const dir = join(dataDir, 'session');
    const before = await snapshot(dir);
    const heldBefore = held();
    const r = await channel.round();
    expect(r.refused.sort()).toEqual(['P2 v1', 'P3 v1', 'P4 v1']);
    expect(held()).toEqual(heldBefore);
    const { state: _s, ...after } = await snapshot(dir);
    const { state: _t, ...was } = before;
    expect(Object.keys(after).filter((k) => !k.startsWith('state.json'))).toEqual(
      Object.keys(was).filter((k) => !k.startsWith('state.json')),
    );
    expect(reportOf('P2')).toMatchObject([{ state: 'refused', reason: 'tampered' }]);
    expect(reportOf('P3')).toMatchObject([{ state: 'refused', reason: 'unavailable' }]);
    expect(reportOf('P4')).toMatchObject([{ state: 'refused', reason: 'unavailable' }]);
    expect(server.requests.some((q) => q.path.includes('elsewhere'))).toBe(false);
    // Refused versions are not fetched again.
    const n = server.requests.length;
    await channel.round();
    expect(server.requests.slice(n).map((q) => q.path)).toEqual(['/channel/v1/manifest']);
    for (const id of ['P2', 'P3', 'P4']) server.unpublish(id);
  });

  it('a package body that is not the manifest one, or above the size limit, is refused (413 code, nothing kept)', async () => {
    server.publish(pkg({ packageId: 'P5' }), { size: 1234 });
    const padded = pkg({ packageId: 'P6' });
    const body = Buffer.concat([Buffer.from(JSON.stringify(padded)), Buffer.alloc(MAX_PACKAGE, 0x20)]);
    server.publish(padded, { body });
    const lying = pkg({ packageId: 'P7' });
    server.publish(lying, {
      body: Buffer.concat([Buffer.from(JSON.stringify(lying)), Buffer.alloc(MAX_PACKAGE, 0x20)]),
      size: 2000,
    });
    const requests = server.requests.length;
    const r = await channel.round();
    expect(r.refused.sort()).toEqual(['P5 v1', 'P6 v1', 'P7 v1']);
    expect(reportOf('P5')).toMatchObject([{ state: 'refused', reason: 'tampered' }]);
    expect(reportOf('P6')).toMatchObject([{ state: 'refused', reason: 'too-large' }]);
    expect(reportOf('P7')).toMatchObject([{ state: 'refused', reason: 'too-large' }]);
    // P6's manifest says its size: never requested.
    expect(server.requests.slice(requests).some((q) => q.path.startsWith('/channel/v1/packages/P6/'))).toBe(false);
    expect(held().some((h) => /^P[567]@/.test(h))).toBe(false);
    for (const id of ['P5', 'P6', 'P7']) server.unpublish(id);
  });

  it('a document cut mid-body resumes with Range where it stopped', async () => {
    const doc = tinyPdf('resumed', 2 * 1024 * 1024);
    const sha = server.document(doc);
    server.cutOnce.set(sha, 1024 * 1024);
    server.publish(pkg({ packageId: 'P8', pdfs: [doc] }));
    const r = await channel.round();
    expect(r.installed).toEqual(['P8 v1']);
    const fetches = server.requests.filter((q) => q.path === `/channel/v1/documents/${sha}`);
    expect(fetches).toHaveLength(2);
    expect(fetches[0]?.range).toBeNull();
    expect(Number(/^bytes=(\d+)-$/.exec(fetches[1]?.range ?? '')?.[1])).toBeGreaterThan(0);
    expect(await vault.documents.has(sha)).toBe(true);
  });

  it('commands from the manifest: an unlock bound to the version is obeyed once, a 2099 one refused; a revoke ends the package', async () => {
    const now = Date.now();
    const sealed = pkg({ packageId: 'P9', unlockAt: now + 6 * HOUR, expiresAt: now + 12 * HOUR, url: false });
    server.publish(sealed);
    server.command(
      buildUnlockCommand(
        { packageId: 'P9', version: 1, boothId: BOOTH, issuedAt: Date.parse('2099-01-01T00:00:00Z') },
        central.privateKeyPem,
      ),
    );
    await channel.round();
    const p9 = vault.held.find((p) => p.packageId === 'P9')!;
    expect(vault.unlockState(p9).sealed).toBe(true);
    server.command(
      buildUnlockCommand({ packageId: 'P9', version: 1, boothId: BOOTH, issuedAt: now }, central.privateKeyPem),
    );
    server.command(
      buildRevokeCommand(
        { packageId: 'P1', version: 1, boothId: BOOTH, issuedAt: now, reason: 'session moved' },
        central.privateKeyPem,
      ),
    );
    const r = await channel.round();
    expect(r.commands).toBe(2);
    expect(vault.unlockState(p9)).toEqual({ sealed: false, cause: 'command' });
    expect(held()).not.toContain('P1@1');
    expect(reportOf('P1').map((e) => e.state)).toEqual(['installed', 'revoked']);
    // Delivered again and again by the manifest: obeyed once.
    expect((await channel.round()).commands).toBe(0);
    const audits = (await store.read(0, 100_000)).filter((x) => x.payload.event === 'session.unlock-command');
    expect(audits).toHaveLength(1);
    server.unpublish('P1');
  });

  it('a key rotation in the manifest comes first: a package signed by the new key installs in the same round', async () => {
    const next = p256();
    server.command(
      buildKeyRotation(
        { purpose: 'session', boothId: BOOTH, publicKeyPem: next.publicKeyPem, issuedAt: Date.now() },
        central.privateKeyPem,
      ),
    );
    server.publish(pkg({ packageId: 'P10', url: false }, next));
    const r = await channel.round();
    expect(r.installed).toEqual(['P10 v1']);
    expect(held()).toEqual(expect.arrayContaining(['P8@1', 'P9@1', 'P10@1']));
    central = next;
  });

  it('a package from a USB stick with url documents fetches them over the channel; without the channel it is refused', async () => {
    const doc = tinyPdf('usb');
    server.document(doc);
    const viaUsb = pkg({ packageId: 'P11', pdfs: [doc] });
    await lifecycle.installPackage(viaUsb);
    expect(held()).toContain('P11@1');
    lifecycle.attachFetcher(null);
    try {
      const offline = pkg({ packageId: 'P12', pdfs: [tinyPdf('offline ' + randomBytes(4).toString('hex'))] });
      await expect(lifecycle.installPackage(offline)).rejects.toMatchObject({
        statusCode: 422,
        details: { reason: 'unavailable' },
        message: expect.stringMatching(/no package channel/),
      });
    } finally {
      lifecycle.attachFetcher(channel.fetchDocuments);
    }
  });
});
