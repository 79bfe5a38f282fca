import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Static } from '@sinclair/typebox';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { ChannelReport, Manifest, ManifestPackage } from '../../protocol/channel.js';
import type { CentralCommand, SessionPackage } from '../../protocol/session/schema.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/ports.js';
import { ChannelClient } from './channel-client.js';
import type { SyncTls } from '../sync/tls.js';
import type { MissingDocument } from './vault.js';

/**
 * The package channel, booth side (docs/channel.md): the booth asks the central server for its
 * manifest at start, every `pollMs`, and at each held package's unlockAt (the moment a late
 * version or an unlock matters most); fetches the packages it does not hold (streamed to disk,
 * checked against the manifest), with their url documents; applies the signed commands (key
 * rotations first, so a package signed by a new key verifies; unlocks and revocations after the
 * packages they name); and reports what it installed, refused, closed or revoked.
 *
 * A transport failure is logged and tried again at the next round; a package is reported
 * refused once per version and not fetched again until a newer version appears. A change that
 * would end a package a visit is using (BOOTH_ERR_VISIT_STATE) waits: the round after the visit
 * tries again (a round comes `retryMs` later).
 */
export interface ChannelTarget {
  /** Packages held now. */
  held(): readonly SessionPackage[];
  /** Throws a `stale` rejection for what the booth's memory rules out (before any download). */
  refuseStale(packageId: string, version: number): void;
  /** A fresh temp path on the session's filesystem, and the resumable downloads folder. */
  tempFile(hint: string): Promise<string>;
  downloads: string;
  /** Installs the body in `file` (consumed), fetching url documents with `fetch`. */
  installFile(file: string): Promise<unknown>;
  /** A signed command (unlock, revoke, key rotation). */
  apply(command: CentralCommand): Promise<void>;
  /** Nonces of commands already obeyed (skipped without a word). */
  obeyed(nonce: string): boolean;
}

export interface ChannelSettings {
  url: string;
  pollMs: number;
  maxPackageBytes: number;
  maxDocumentBytes: number;
  requestTimeoutMs: number;
}

export interface ChannelDeps {
  settings: ChannelSettings;
  /** The booth's enrolled TLS material and the pinned central CA (null: not enrolled, the channel stays off). */
  tls: () => Promise<SyncTls | null>;
  target: ChannelTarget;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  boothId: string;
  /** A round after a deferred change (a visit in progress) or a failed round; default min(pollMs, 30 s). */
  retryMs?: number;
}

export interface RoundResult {
  installed: string[];
  refused: string[];
  commands: number;
  deferred: number;
  error: string | null;
}

type Pkg = Static<typeof ManifestPackage>;
type ReportEntry = ChannelReport['packages'][number];
const OWNER = 'channel';
/** setTimeout takes at most 2^31-1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** A central clock this far from the booth's is logged (unlock windows and expiry depend on it). */
const SKEW_WARN_MS = 5 * 60_000;

export class PackageChannel {
  status = 'not started';
  private client: ChannelClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RoundResult> | null = null;
  private stopped = true;
  private readonly refused = new Set<string>();
  private readonly failedCommands = new Set<string>();
  private readonly outbox: ReportEntry[] = [];

  constructor(private readonly d: ChannelDeps) {}

  /** Fetches url documents over the channel into a stage folder (the vault's install hook). */
  readonly fetchDocuments = async (missing: MissingDocument[], stageDir: string): Promise<void> => {
    const client = this.need();
    for (const m of missing) client.documentUrl(m); // refuse another origin before any request
    for (const m of missing) await client.fetchDocument(m, join(stageDir, `${m.sha256}.pdf`), this.d.target.downloads);
  };

  /** True once the channel runs (enrolled, with a channel URL): url documents can be fetched. */
  get on(): boolean {
    return this.client !== null;
  }

  /** Loads the TLS material and starts the rounds; without a URL or enrollment the channel stays off and says so. */
  async start(): Promise<void> {
    const s = this.d.settings;
    if (!s.url) {
      this.status = 'off: no sync.channel.url (packages only over the loopback route)';
      return;
    }
    const tls = await this.d.tls();
    if (!tls) {
      this.status = 'off: no central CA yet (enroll the booth)';
      return;
    }
    this.client = new ChannelClient({
      url: s.url,
      tls,
      requestTimeoutMs: s.requestTimeoutMs,
      maxPackageBytes: s.maxPackageBytes,
      maxDocumentBytes: s.maxDocumentBytes,
    });
    this.status = `on (${this.client.base.origin})`;
    this.stopped = false;
    const entry = (state: ReportEntry['state'], packageId: string, version: number, extra: Partial<ReportEntry> = {}) =>
      this.outbox.push({ packageId, version, state, at: this.d.clock.now(), ...extra });
    this.d.bus.on(OWNER, 'session.installed', (e) => entry('installed', e.packageId, e.version));
    this.d.bus.on(OWNER, 'session.rejected', (e) => {
      if (e.packageId && e.version)
        entry('refused', e.packageId, e.version, { reason: e.reason.slice(0, 64), message: e.message.slice(0, 2000) });
    });
    this.d.bus.on(OWNER, 'session.ended', (e) => {
      if (e.cause === 'close' || e.cause === 'expiry') entry('closed', e.packageId, e.version, { reason: e.cause });
      if (e.cause === 'revoked') entry('revoked', e.packageId, e.version);
    });
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.d.bus.removeOwner(OWNER);
    this.client?.close();
    this.client = null;
  }

  private need(): ChannelClient {
    if (!this.client) throw new BoothError('BOOTH_ERR_NOT_READY', 'the package channel is off');
    return this.client;
  }

  /** One round now (rounds never overlap: a second call waits for the one running). */
  round(): Promise<RoundResult> {
    this.running ??= this.roundNow().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.round().then(
          (r) => this.schedule(this.nextRoundIn(r)),
          () => undefined, // stopped meanwhile
        );
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  /** The next round: pollMs, or sooner at a held package's unlockAt, or after a failure or a deferral. */
  nextRoundIn(r: RoundResult): number {
    const now = this.d.clock.now();
    const poll = this.d.settings.pollMs;
    const retry = this.d.retryMs ?? Math.min(poll, 30_000);
    let next = r.error || r.deferred ? retry : poll;
    for (const p of this.d.target.held()) {
      const at = Date.parse(p.unlockAt) - now;
      if (at > 0) next = Math.min(next, at);
    }
    return next;
  }

  private async roundNow(): Promise<RoundResult> {
    const result: RoundResult = { installed: [], refused: [], commands: 0, deferred: 0, error: null };
    const client = this.need();
    let manifest: Manifest;
    try {
      manifest = await client.manifest();
      if (manifest.boothId !== this.d.boothId)
        throw new BoothError('BOOTH_ERR_SYNC_FAILED', `the manifest is for booth ${manifest.boothId}`);
    } catch (err) {
      result.error = toBoothError(err).message;
      this.d.logger.warn({ code: toBoothError(err).code }, `package channel: ${result.error}`);
      await this.flushReports();
      return result;
    }
    const skew = manifest.serverTime - this.d.clock.now();
    if (Math.abs(skew) > SKEW_WARN_MS)
      this.d.logger.warn({ skewMs: skew }, 'package channel: the central clock and this booth disagree');
    const rotations = manifest.commands.filter((c) => c.type === 'key-rotation');
    const orders = manifest.commands.filter((c) => c.type !== 'key-rotation');
    for (const c of rotations) await this.command(c, result);
    const packages = [...manifest.packages].sort((a, b) => Date.parse(a.unlockAt) - Date.parse(b.unlockAt));
    for (const p of packages) await this.fetchAndInstall(p, result);
    for (const c of orders) await this.command(c, result);
    await this.flushReports();
    return result;
  }

  private async fetchAndInstall(p: Pkg, result: RoundResult): Promise<void> {
    const name = `${p.packageId} v${p.version}`;
    const key = `${p.packageId}\u0000${p.version}\u0000${p.sha256}`;
    const held = this.d.target.held().find((h) => h.packageId === p.packageId);
    if ((held && held.version >= p.version) || this.refused.has(key)) return;
    let file: string | null = null;
    let installing = false;
    try {
      this.d.target.refuseStale(p.packageId, p.version);
      file = await this.d.target.tempFile('channel-package');
      await this.need().fetchPackage(p, file);
      installing = true;
      const f = file;
      file = null; // the install owns it now
      await this.d.target.installFile(f);
      result.installed.push(name);
      this.d.logger.info({ packageId: p.packageId, version: p.version }, 'package channel: package installed');
    } catch (err) {
      const e = toBoothError(err);
      if (file) await rm(file, { force: true });
      if (e.code === 'BOOTH_ERR_VISIT_STATE') {
        result.deferred++;
        this.d.logger.info({ packageId: p.packageId }, `package channel: ${e.message}; trying again after the visit`);
        return;
      }
      const final = e.code === 'BOOTH_ERR_SESSION_REJECTED' || e.code === 'BOOTH_ERR_PAYLOAD_TOO_LARGE';
      if (!final) {
        result.error = e.message;
        this.d.logger.warn({ code: e.code, packageId: p.packageId }, `package channel: ${name}: ${e.message}`);
        return;
      }
      // Refused for good (this version): reported once, not fetched again.
      this.refused.add(key);
      result.refused.push(name);
      const reason = e.code === 'BOOTH_ERR_PAYLOAD_TOO_LARGE' ? 'too-large' : String(e.details.reason ?? 'refused');
      // A rejection by the install itself is announced on the bus (session.rejected) and reported from there.
      if (!installing || e.code !== 'BOOTH_ERR_SESSION_REJECTED')
        this.outbox.push({
          packageId: p.packageId,
          version: p.version,
          state: 'refused',
          reason: reason.slice(0, 64),
          message: e.message.slice(0, 2000),
          at: this.d.clock.now(),
        });
      this.d.logger.warn({ code: e.code, reason, packageId: p.packageId }, `package channel: ${name} refused`);
    }
  }

  private async command(c: CentralCommand, result: RoundResult): Promise<void> {
    if (this.d.target.obeyed(c.nonce) || this.failedCommands.has(c.nonce)) return;
    if (
      c.type === 'unlock' &&
      !this.d.target.held().some((h) => h.packageId === c.packageId && h.version === c.version)
    )
      return; // its package is not here (yet): the manifest brings it again
    try {
      await this.d.target.apply(c);
      result.commands++;
      this.d.logger.info({ type: c.type, nonce: c.nonce }, 'package channel: command applied');
    } catch (err) {
      const e = toBoothError(err);
      if (e.code === 'BOOTH_ERR_VISIT_STATE') {
        result.deferred++;
        return;
      }
      if (e.code === 'BOOTH_ERR_SESSION_REJECTED') this.failedCommands.add(c.nonce);
      else result.error = e.message;
      this.d.logger.warn(
        { code: e.code, type: c.type, nonce: c.nonce },
        `package channel: command refused: ${e.message}`,
      );
    }
  }

  private async flushReports(): Promise<void> {
    if (!this.outbox.length) return;
    const batch = this.outbox.slice(0, 1000);
    try {
      await this.need().report({ packages: batch });
      this.outbox.splice(0, batch.length);
    } catch (err) {
      // Kept for the next round; reports are information, never a reason to stop.
      this.d.logger.warn(
        { code: toBoothError(err).code },
        `package channel: report not delivered: ${(err as Error).message}`,
      );
    }
  }

  /** Reports waiting for delivery (tests, status). */
  get pendingReports(): readonly ReportEntry[] {
    return this.outbox;
  }
}
