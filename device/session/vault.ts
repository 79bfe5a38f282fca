import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import type { Clock } from '../core/ports.js';
import { compileValidator } from '../../protocol/validate.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { idNumberHash, sameHash } from '../../protocol/session/hashes.js';
import { partLabel, openPart, type PartName } from '../../protocol/session/seal.js';
import {
  IdentityPartSchema,
  MatchingPartSchema,
  type IdentityPart,
  type MatchingPart,
  type SessionPackage,
} from '../../protocol/session/schema.js';
import { keyId } from '../../protocol/session/keys.js';
import { rejection, verifyPackage } from '../../protocol/session/verify.js';
import { verifyUnlock } from '../../protocol/session/commands.js';

/**
 * The installed session and its sealed roster. The package rests on disk exactly as the central
 * server signed it (entries sealed); nothing opened is ever written. At unlock (its time, or a
 * signed command) the matching parts open into memory; an identity part opens only for the
 * expert who has just verified, and at session close for the no-show records. Every opening is
 * reported through `audit` before the opened data is used.
 */
export interface VaultDeps {
  dir: string;
  boothId: string;
  boothPrivateKey: KeyObject;
  boothPublicKey: KeyObject;
  /** The pinned central key; null until provisioning pins one (every package is then refused). */
  centralKey: KeyObject | null;
  clock: Clock;
  audit: (payload: Record<string, unknown>) => Promise<void>;
}

export interface MatchingEntry extends MatchingPart {
  ref: string;
}

export type UnlockCause = 'time' | 'command';

const matchingValidator = compileValidator(MatchingPartSchema);
const identityValidator = compileValidator(IdentityPartSchema);

export class SessionVault {
  private pkg: SessionPackage | null = null;
  private unlockedBy: UnlockCause | null = null;
  private matching: MatchingEntry[] | null = null;
  private readonly opened = new Set<string>();

  constructor(private readonly deps: VaultDeps) {}

  private get files() {
    return { pkg: join(this.deps.dir, 'package.json'), unlock: join(this.deps.dir, 'unlock.json') };
  }

  private trust() {
    const d = this.deps;
    return { centralKey: d.centralKey, boothId: d.boothId, boothKey: d.boothPublicKey, now: d.clock.now() };
  }

  /** Loads the installed package at start. A stored package that no longer verifies is ignored (and reported). */
  async load(): Promise<{ loaded: boolean; problem?: string }> {
    const text = await readIfExists(this.files.pkg);
    if (text === null) return { loaded: false };
    try {
      this.pkg = verifyPackage(text, this.trust());
    } catch (err) {
      return { loaded: false, problem: (err as Error).message };
    }
    const unlock = await readIfExists(this.files.unlock);
    if (unlock !== null) {
      try {
        // Accepted once already: only its binding to this package matters now, not its age.
        verifyUnlock(unlock, this.pkg, this.trust(), {
          maxAgeMs: Number.MAX_SAFE_INTEGER,
          maxSkewMs: Number.MAX_SAFE_INTEGER,
        });
        this.unlockedBy = 'command';
      } catch {
        // A stale unlock file from another package: the time rule still applies.
      }
    }
    return { loaded: true };
  }

  get current(): SessionPackage | null {
    return this.pkg;
  }

  /**
   * Verifies and installs a package. On any rejection nothing changes: not the file on disk,
   * not the package in memory, not the unlock state.
   */
  async install(input: Buffer | string | unknown): Promise<SessionPackage> {
    const pkg = verifyPackage(input, this.trust());
    const old = this.pkg;
    if (old && old.packageId === pkg.packageId && pkg.version <= old.version)
      throw rejection('stale', `version ${pkg.version} is not newer than the installed ${old.version}`);
    await writeFileDurable(this.files.pkg, JSON.stringify(pkg), 0o600);
    this.pkg = pkg;
    this.unlockedBy = null;
    this.matching = null;
    this.opened.clear();
    await this.deps.audit({
      event: 'session.installed',
      packageId: pkg.packageId,
      version: pkg.version,
      entries: pkg.roster.entries.length,
      signer: pkg.signature?.keyId,
    });
    return pkg;
  }

  /** Whether the roster may be opened now (its unlock time passed, or a signed command arrived). */
  unlockState(): { sealed: boolean; cause: UnlockCause | null } {
    const pkg = this.pkg;
    if (!pkg) return { sealed: true, cause: null };
    if (this.unlockedBy) return { sealed: false, cause: this.unlockedBy };
    if (this.deps.clock.now() >= Date.parse(pkg.unlockAt)) return { sealed: false, cause: 'time' };
    return { sealed: true, cause: null };
  }

  async unlockByCommand(input: unknown): Promise<void> {
    const pkg = this.requirePackage();
    const cmd = verifyUnlock(input, pkg, this.trust());
    await writeFileDurable(this.files.unlock, JSON.stringify(cmd), 0o600);
    this.unlockedBy = 'command';
    await this.deps.audit({ event: 'session.unlock-command', packageId: pkg.packageId, issuedAt: cmd.issuedAt });
  }

  /** The matching data of every entry, opened once per unlock and kept in memory only. */
  async matchingEntries(): Promise<readonly MatchingEntry[]> {
    const pkg = this.requirePackage();
    const state = this.unlockState();
    if (state.sealed)
      throw new BoothError('BOOTH_ERR_SESSION_SEALED', `the roster opens at ${pkg.unlockAt}`, {
        unlockAt: pkg.unlockAt,
      });
    if (this.matching) return this.matching;
    await this.deps.audit({
      event: 'roster.unlocked',
      packageId: pkg.packageId,
      cause: state.cause,
      part: 'matching',
      entries: pkg.roster.entries.length,
    });
    this.matching = pkg.roster.entries.map((e) => ({
      ref: e.ref,
      ...matchingValidator.parse(this.openJson(pkg, e.ref, 'matching'), `roster entry ${e.ref} matching part`),
    }));
    return this.matching;
  }

  /** The entry whose ID-number hash matches (the staff-witnessed path), or null. */
  async findByIdNumber(idNumber: string): Promise<string | null> {
    const pkg = this.requirePackage();
    const want = idNumberHash(pkg.packageId, idNumber);
    const hit = (await this.matchingEntries()).find((e) => sameHash(e.idNumberHash, want));
    return hit?.ref ?? null;
  }

  /** Opens one expert's identity: call only once that expert has verified. */
  async openIdentity(ref: string, why: 'verified' | 'session-close', method?: string): Promise<IdentityPart> {
    const pkg = this.requirePackage();
    if (this.unlockState().sealed) throw new BoothError('BOOTH_ERR_SESSION_SEALED', 'the roster is still sealed');
    if (!pkg.roster.entries.some((e) => e.ref === ref))
      throw new BoothError('BOOTH_ERR_NOT_FOUND', 'no such roster entry');
    const identity = identityValidator.parse(this.openJson(pkg, ref, 'identity'), `roster entry ${ref} identity part`);
    this.opened.add(ref);
    await this.deps.audit({
      event: 'roster.opened',
      packageId: pkg.packageId,
      ref,
      part: 'identity',
      why,
      ...(method ? { method } : {}),
      expertId: identity.expertId,
    });
    return identity;
  }

  /** Refs of every entry (for the no-show pass at session close). */
  refs(): string[] {
    return this.requirePackage().roster.entries.map((e) => e.ref);
  }

  /** Forgets opened data (session close, or a new package). The sealed package stays. */
  forget(): void {
    this.matching = null;
    this.opened.clear();
  }

  private requirePackage(): SessionPackage {
    if (!this.pkg) throw new BoothError('BOOTH_ERR_SESSION_NONE', 'no session package is installed');
    return this.pkg;
  }

  private openJson(pkg: SessionPackage, ref: string, part: PartName): unknown {
    const entry = pkg.roster.entries.find((e) => e.ref === ref);
    if (!entry) throw new BoothError('BOOTH_ERR_NOT_FOUND', 'no such roster entry');
    const label = partLabel(pkg.packageId, ref, part, keyId(this.deps.boothPublicKey));
    const bytes = openPart(this.deps.boothPrivateKey, entry.ephemeralKey, label, entry[part]);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      throw rejection('malformed', `roster entry ${ref} ${part} part is not JSON`);
    }
  }
}
