import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import type { CentralCommand, SessionPackage } from '../../protocol/session/schema.js';
import type { EventBus } from '../core/events.js';
import type { Clock, CommittedRecord, RecordStore } from '../core/ports.js';
import type { ChannelTarget } from '../session/channel.js';
import type { InstallHooks, InstallResult, MemoryFloor, SessionVault } from '../session/vault.js';
import type { VisitService } from './service.js';
import { noShowPass, type EndCause } from './session-close.js';

/**
 * The session lifecycle as the booth runs it, whoever asks (the package channel, the loopback
 * route from a USB stick, the staff, the expiry timer): install, unlock, revoke, rotate a key,
 * close, expire. The vault keeps the order and the memory; this adds what the visit needs:
 *
 * - an end never overtakes a visit: ending the package a visit is pinned to answers 409
 *   BOOTH_ERR_VISIT_STATE (staff close) or waits (the channel tries again, the expiry timer
 *   at its next tick), and the sign commit itself runs under the vault's lock (vault.whileOpen);
 * - every end of a version writes its no-shows with the version and the cause, once;
 * - the face gallery follows the package in use.
 *
 * Used by: device/visit/feature.ts (composition), device/http/kiosk-routes.ts and
 * device/session/channel.ts (through the feature).
 */
export interface LifecycleDeps {
  vault: SessionVault;
  store: RecordStore;
  service: () => VisitService | null;
  bus: EventBus;
  logger: Logger;
  clock: Clock;
  boothId: string;
}

/** Fetches documents published by url (the package channel); null = not enrolled. */
export type DocumentFetcher = NonNullable<InstallHooks['fetch']>;

const key = (...parts: (string | number)[]) => parts.join('\u0000');

export class SessionLifecycle {
  /** No-shows in the journal, by package, version, expert and project (a pass is never repeated). */
  private readonly noShows = new Set<string>();
  private fetcher: DocumentFetcher | null = null;

  constructor(private readonly d: LifecycleDeps) {}

  /** The package channel's document fetcher, when the booth is enrolled (url documents need it). */
  attachFetcher(f: DocumentFetcher | null): void {
    this.fetcher = f;
  }

  /** The memory of versions the journal gives (installs, closes, commands obeyed). */
  static floor(records: readonly CommittedRecord[]): MemoryFloor {
    const floor: MemoryFloor = { highest: new Map(), closed: new Map(), nonces: [] };
    for (const r of records) {
      if (r.kind !== 'audit') continue;
      const p = r.payload;
      const id = typeof p.packageId === 'string' ? p.packageId : null;
      const version = typeof p.version === 'number' ? p.version : null;
      if (typeof p.nonce === 'string' && /^[0-9a-f]{32}$/.test(p.nonce)) floor.nonces.push(p.nonce);
      if (!id || version === null) continue;
      if (p.event === 'session.installed' || p.event === 'session.revoked')
        floor.highest.set(id, Math.max(floor.highest.get(id) ?? 0, version));
      if (p.event === 'session.closed' && (p.cause === 'close' || p.cause === 'expiry'))
        floor.closed.set(id, { cause: p.cause, version, at: r.time.wall });
    }
    return floor;
  }

  /** After a restart: who signed in which package, and which no-shows are already recorded. */
  restore(records: readonly CommittedRecord[]): void {
    const service = this.d.service();
    for (const r of records) {
      const p = r.payload;
      if (typeof p.packageId !== 'string' || typeof p.expertId !== 'string') continue;
      if (r.kind === 'sign') service?.remember(p.packageId, p.expertId, String(p.projectId));
      if (r.kind === 'visit' && p.type === 'no-show')
        this.noShows.add(key(p.packageId, Number(p.packageVersion), p.expertId, String(p.projectId)));
    }
  }

  // ---- install ----

  /** Installs the package body in `file` (consumed). Rejections change nothing and are announced on the bus. */
  async installFile(file: string): Promise<InstallResult> {
    try {
      const r = await this.d.vault.install(file, {
        ...(this.fetcher ? { fetch: this.fetcher } : {}),
        replacing: (old) => this.refuseUnderVisit(old, 'replaced'),
        replaced: async (old) => void (await this.ended(old, 'replaced')),
      });
      this.d.service()?.sessionChanged();
      this.d.bus.emit('session.installed', { packageId: r.pkg.packageId, version: r.pkg.version });
      return r;
    } catch (err) {
      const e = toBoothError(err);
      if (e.code === 'BOOTH_ERR_SESSION_REJECTED')
        this.d.bus.emit('session.rejected', {
          reason: String(e.details.reason),
          message: e.message,
          ...(typeof e.details.packageId === 'string' ? { packageId: e.details.packageId } : {}),
          ...(typeof e.details.version === 'number' ? { version: e.details.version } : {}),
        });
      throw e;
    }
  }

  /** Installs a package given as a value (the demo, tools): written to a temp file first, like any body. */
  async installPackage(pkg: SessionPackage): Promise<InstallResult> {
    const file = await this.d.vault.tempFile('package');
    await writeFile(file, JSON.stringify(pkg), { mode: 0o600 });
    return this.installFile(file);
  }

  // ---- commands ----

  async unlock(command: unknown): Promise<void> {
    await this.d.vault.unlockByCommand(command);
    this.d.service()?.sessionChanged();
  }

  async revoke(command: unknown): Promise<SessionPackage | null> {
    const { ended } = await this.d.vault.revoke(command, {
      ending: (pkg) => this.refuseUnderVisit(pkg, 'revoked'),
      ended: async (pkg) => void (await this.ended(pkg, 'revoked')),
    });
    this.d.service()?.sessionChanged();
    return ended;
  }

  async rotateKey(command: unknown): Promise<void> {
    const r = await this.d.vault.rotateKey(command);
    this.d.logger.info({ purpose: r.purpose, keyId: r.keyId, changed: r.changed }, 'central key rotated');
  }

  /** Any signed command, by its type (the package channel's manifest carries all three). */
  async apply(command: CentralCommand): Promise<void> {
    switch (command.type) {
      case 'unlock':
        return this.unlock(command);
      case 'revoke':
        await this.revoke(command);
        return;
      case 'key-rotation':
        return this.rotateKey(command);
    }
  }

  // ---- end ----

  /** Staff close of the package in use: refused (409) while a visit is in progress. */
  async close(): Promise<number> {
    const pkg = this.d.vault.current;
    if (!pkg) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session is open on this booth');
    const pinned = this.d.service()?.pinned;
    if (pinned)
      throw new BoothError(
        'BOOTH_ERR_VISIT_STATE',
        'a visit is in progress: close the session when the booth is idle',
        {
          packageId: pinned.packageId,
        },
      );
    let n = 0;
    await this.d.vault.end(pkg, 'close', {
      ending: (p) => this.refuseUnderVisit(p, 'close'),
      ended: async (p) => {
        n = await this.ended(p, 'close');
      },
    });
    return n;
  }

  /**
   * Closes every held package whose expiry has passed, in order, except one a visit is still
   * pinned to (it closes at the next check). Used at start (the booth was off) and by a timer.
   */
  async closeExpired(): Promise<number> {
    const now = this.d.clock.now();
    let closed = 0;
    for (const pkg of this.d.vault.held) {
      if (now < Date.parse(pkg.expiresAt)) continue;
      if (this.d.service()?.pinned?.packageId === pkg.packageId) continue;
      try {
        await this.d.vault.end(pkg, 'expiry', {
          ending: (p) => this.refuseUnderVisit(p, 'expiry'),
          ended: async (p) => void (await this.ended(p, 'expiry')),
        });
        closed++;
      } catch (err) {
        const e = toBoothError(err);
        this.d.logger.warn({ code: e.code, packageId: pkg.packageId }, `session close at expiry: ${e.message}`);
      }
    }
    return closed;
  }

  private refuseUnderVisit(pkg: SessionPackage, cause: EndCause): void {
    if (this.d.service()?.pinned?.packageId !== pkg.packageId) return;
    throw new BoothError(
      'BOOTH_ERR_VISIT_STATE',
      `a visit is in progress on ${pkg.packageId}: it cannot end (${cause}) until the visit does`,
      { packageId: pkg.packageId, cause },
    );
  }

  /** The no-show pass of one ending version (under the vault lock), then the announcement. */
  private async ended(pkg: SessionPackage, cause: EndCause): Promise<number> {
    const service = this.d.service();
    const n = await noShowPass(
      {
        vault: this.d.vault,
        store: this.d.store,
        boothId: this.d.boothId,
        clock: this.d.clock,
        signed: (expertId, projectId) => service?.hasSigned(pkg.packageId, expertId, projectId) ?? false,
        recorded: (expertId, projectId) => this.noShows.has(key(pkg.packageId, pkg.version, expertId, projectId)),
        noted: (expertId, projectId) => this.noShows.add(key(pkg.packageId, pkg.version, expertId, projectId)),
        forgetFaces: () => service?.forgetFaces(),
      },
      pkg,
      cause,
    );
    this.d.bus.emit('session.ended', { packageId: pkg.packageId, version: pkg.version, cause, noShows: n });
    return n;
  }
}

/** What the package channel acts on: the vault's memory and the lifecycle; `changed` runs after each change (the gallery). */
export function channelTarget(
  vault: SessionVault,
  lifecycle: SessionLifecycle,
  changed: () => Promise<unknown> = async () => undefined,
): ChannelTarget {
  return {
    held: () => vault.held,
    refuseStale: (packageId, version) => vault.refuseStale(packageId, version),
    tempFile: (hint) => vault.tempFile(hint),
    downloads: vault.downloads,
    installFile: async (file) => {
      const r = await lifecycle.installFile(file);
      await changed();
      return r;
    },
    apply: async (command) => {
      await lifecycle.apply(command);
      await changed();
    },
    obeyed: (nonce) => vault.memory.hasNonce(nonce),
  };
}
