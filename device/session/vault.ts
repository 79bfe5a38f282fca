import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import type { Clock } from '../core/ports.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { idNumberHash, sameHash } from '../../protocol/session/hashes.js';
import type {
  IdentityPart,
  MatchingPart,
  RevokeCommand,
  SessionPackage,
  UnlockCommand,
} from '../../protocol/session/schema.js';
import { publicKeyFrom } from '../../protocol/session/keys.js';
import { rejection, type TrustContext } from '../../protocol/session/verify.js';
import {
  DEFAULT_COMMAND_WINDOW,
  verifyCommand,
  verifyUnlock,
  type CommandWindow,
} from '../../protocol/session/commands.js';
import { syncDir } from '../store/fsync.js';
import type { CentralKeys } from './central-keys.js';
import { Mutex } from './mutex.js';
import type { CheckInput, CheckResult } from './package-check.js';
import { checkOnThread } from './package-check-thread.js';
import { PublishedDocuments } from './published-documents.js';
import { openEntryPart } from './roster.js';
import { raise, SessionMemory } from './session-state.js';

/**
 * The packages this booth holds and everything it remembers about packages.
 *
 * Several packages may be held at once (tonight's next to today's), each in its own folder,
 * exactly as the central server signed it (entries sealed), with its documents as files
 * (published-documents.ts) and the package in memory without their bytes. The package used for
 * visits (`current`) is the earliest by unlockAt that has neither expired nor ended.
 *
 * Lifecycle changes (install, unlock, revoke, key rotation, end) and the commit of a sign record
 * (`whileOpen`) run one at a time on one mutex, so memory, disk and the journal change in one
 * order: a visit cannot commit into a package that ended, and an end cannot overtake a commit.
 * Installs are serialised among themselves on a second mutex (checking and fetching a package
 * can take long and must not hold up a close). A refused package changes nothing: not a file,
 * not memory, not the unlock state, not the memory of versions.
 *
 * Roster parts open only through matchingEntries() (at unlock) and openIdentity() (the verified
 * expert, and the no-show pass when a package ends); the caller's `audit` records each opening
 * before the data is used.
 */
export interface VaultDeps {
  /** <dataDir>/session */
  dir: string;
  boothId: string;
  boothPrivateKey: KeyObject;
  boothPrivateKeyPem: string;
  boothPublicKey: KeyObject;
  boothPublicKeyPem: string;
  keys: CentralKeys;
  clock: Clock;
  audit: (payload: Record<string, unknown>) => Promise<void>;
  /**
   * Throws unless `audit` would be accepted now (BOOTH_ERR_STORE_FULL at a critical disk, a store
   * fault): asked before any change that must be recorded, so nothing changes that the journal
   * could not record (an install is refused with the package in use untouched).
   */
  recordable?: () => void;
  /** Where the package check runs (default: a worker thread). */
  check?: (input: CheckInput) => Promise<CheckResult>;
  commandWindow?: CommandWindow;
}

export interface MatchingEntry extends MatchingPart {
  ref: string;
}

export type UnlockCause = 'time' | 'command';

/** Documents of a package published by url and not held yet: the installer fetches them into `stageDir`. */
export interface MissingDocument {
  sha256: string;
  url: string;
  /** projectId/documentId, for messages. */
  name: string;
}

export interface InstallHooks {
  /** Fetches url documents into stageDir as <sha256>.pdf (hash checked); throws to refuse. */
  fetch?: (missing: MissingDocument[], stageDir: string) => Promise<void>;
  /** Called (under the lifecycle lock) before an older version is replaced; may throw to refuse for now. */
  replacing?: (old: SessionPackage) => void;
  /** The no-show pass of the replaced version (under the lifecycle lock, before anything is written). */
  replaced?: (old: SessionPackage) => Promise<void>;
}

export interface InstallResult {
  pkg: SessionPackage;
  replaced: SessionPackage | null;
  entries: number;
}

interface Held {
  pkg: SessionPackage;
  unlockedBy: UnlockCause | null;
  matching: MatchingEntry[] | null;
  /** An end (close, replacement, revoke) is under way: no longer current, no new visit. */
  ending: boolean;
}

/** The memory of versions as the journal's audit records give it (raised into the state at start). */
export interface MemoryFloor {
  highest: Map<string, number>;
  closed: Map<string, { cause: 'close' | 'expiry'; version: number; at: number }>;
  nonces: string[];
}

export interface LoadReport {
  held: SessionPackage[];
  /** Packages whose expiry passed while the booth was off (the caller closes them). */
  expired: SessionPackage[];
  problems: string[];
}

const LEGACY_FILE = 'package.json';
/** A partial download not resumed within this long is dropped at start. */
const DOWNLOAD_KEEP_MS = 48 * 3_600_000;

async function pruneOld(dir: string, before: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => null);
    if (s && s.mtimeMs < before) await rm(path, { force: true });
  }
}

export class SessionVault {
  private readonly heldById = new Map<string, Held>();
  private readonly lifecycle = new Mutex();
  private readonly installs = new Mutex();
  readonly memory: SessionMemory;
  readonly documents: PublishedDocuments;

  constructor(private readonly deps: VaultDeps) {
    this.memory = new SessionMemory(deps.dir);
    this.documents = new PublishedDocuments(join(deps.dir, 'documents'));
  }

  private packageDir(packageId: string): string {
    return join(this.deps.dir, 'packages', packageId);
  }

  private get incoming(): string {
    return join(this.deps.dir, 'incoming');
  }

  private get window(): CommandWindow {
    return this.deps.commandWindow ?? DEFAULT_COMMAND_WINDOW;
  }

  private trust(): TrustContext {
    const d = this.deps;
    return {
      centralKey: d.keys.session?.key ?? null,
      boothId: d.boothId,
      boothKey: d.boothPublicKey,
      now: d.clock.now(),
    };
  }

  private runCheck(input: CheckInput): Promise<CheckResult> {
    return (this.deps.check ?? checkOnThread)(input);
  }

  /** A fresh temp path for a body being received (same filesystem as the package folders). */
  async tempFile(hint: string): Promise<string> {
    await mkdir(this.incoming, { recursive: true, mode: 0o700 });
    return join(this.incoming, `${hint}.${randomBytes(8).toString('hex')}.tmp`);
  }

  /** Folder of resumable downloads (documents fetched over the channel); kept across restarts. */
  get downloads(): string {
    return join(this.deps.dir, 'downloads');
  }

  // ---- start ----

  /**
   * Loads the held packages at start: each is verified again (by the key that signed it, the
   * pinned one or a retired one kept for it), its unlock re-checked for its binding. A package
   * that no longer verifies is reported and not held. Expired ones are returned for closing.
   */
  async load(floor: MemoryFloor | null = null): Promise<LoadReport> {
    await this.memory.open();
    const problems: string[] = this.memory.problem ? [this.memory.problem] : [];
    if (floor) await this.raiseFloor(floor);
    // Bodies and staged documents of installs a stop or crash interrupted: never installed.
    await rm(this.incoming, { recursive: true, force: true }).catch(() => undefined);
    await pruneOld(this.downloads, this.deps.clock.now() - DOWNLOAD_KEEP_MS);
    await this.migrateLegacy(problems);
    let ids: string[] = [];
    try {
      ids = await readdir(join(this.deps.dir, 'packages'));
    } catch {
      ids = [];
    }
    for (const id of ids) {
      const dir = this.packageDir(id);
      if (this.memory.of(id).closed) {
        // Closed before a crash removed its folder: it never comes back.
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      try {
        const held = await this.loadOne(dir);
        this.heldById.set(held.pkg.packageId, held);
      } catch (err) {
        problems.push(`held package ${id}: ${(err as Error).message}`);
      }
    }
    // A crash between writing a package and the state: the package on disk is the floor.
    const behind = [...this.heldById.values()].filter((h) => this.memory.of(h.pkg.packageId).highest < h.pkg.version);
    if (behind.length)
      await this.memory.update((s) => {
        for (const h of behind) raise(s, h.pkg.packageId, { highest: h.pkg.version });
      });
    for (const h of this.heldById.values())
      for (const p of h.pkg.projects)
        for (const d of p.documents)
          if (!(await this.documents.has(d.sha256)))
            problems.push(`held package ${h.pkg.packageId}: document ${p.id}/${d.id} is missing`);
    const now = this.deps.clock.now();
    const held = this.held;
    return { held, expired: held.filter((p) => now >= Date.parse(p.expiresAt)), problems };
  }

  /**
   * What the journal says happened (installs, closes, obeyed commands) raises the memory of
   * versions: a state file lost with its last good copy cannot reopen a rollback.
   */
  private async raiseFloor(floor: MemoryFloor): Promise<void> {
    const needed =
      [...floor.highest].some(([id, v]) => this.memory.of(id).highest < v) ||
      [...floor.closed].some(([id]) => !this.memory.of(id).closed) ||
      floor.nonces.some((n) => !this.memory.hasNonce(n));
    if (!needed) return;
    await this.memory.update((s) => {
      for (const [id, v] of floor.highest) raise(s, id, { highest: v });
      for (const [id, c] of floor.closed) raise(s, id, { closed: c });
      const seen = new Set(s.nonces);
      for (const n of floor.nonces) if (!seen.has(n)) s.nonces.push(n);
    });
  }

  private async loadOne(dir: string): Promise<Held> {
    const file = join(dir, 'package.json');
    const stage = await this.tempFile('stage');
    try {
      const r = await this.runCheck({
        file,
        keys: this.trustedKeys(true),
        boothId: this.deps.boothId,
        boothPublicKeyPem: this.deps.boothPublicKeyPem,
        boothPrivateKeyPem: null,
        now: null,
        stageDir: stage,
        skip: await this.heldDocuments(),
      });
      await this.adoptStaged(stage, r.staged);
      const held: Held = { pkg: r.pkg, unlockedBy: null, matching: null, ending: false };
      const unlock = await readIfExists(join(dir, 'unlock.json'));
      if (unlock !== null) {
        try {
          // Accepted once already (nonce remembered): only its binding to this version matters now.
          verifyUnlock(unlock, r.pkg, this.trustFor(r.signerKeyId), {
            maxAgeMs: Number.MAX_SAFE_INTEGER,
            maxSkewMs: Number.MAX_SAFE_INTEGER,
          });
          held.unlockedBy = 'command';
        } catch {
          // Not for this version: the unlock time still applies.
        }
      }
      return held;
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }

  /** The single-package layout of earlier booths (session/package.json) moves to its own folder. */
  private async migrateLegacy(problems: string[]): Promise<void> {
    const legacy = join(this.deps.dir, LEGACY_FILE);
    const text = await readIfExists(legacy);
    if (text === null) return;
    try {
      const { packageId } = JSON.parse(text) as { packageId?: unknown };
      if (typeof packageId !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(packageId)) throw new Error('no package id');
      const dir = this.packageDir(packageId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const unlock = join(this.deps.dir, 'unlock.json');
      if ((await readIfExists(unlock)) !== null) await rename(unlock, join(dir, 'unlock.json'));
      await rename(legacy, join(dir, 'package.json'));
      await syncDir(dir);
      await syncDir(this.deps.dir);
    } catch (err) {
      problems.push(`session/package.json (earlier layout) not taken over: ${(err as Error).message}`);
    }
  }

  /** The central session keys a held package may be signed by: the pinned one, and retired ones when loading. */
  private trustedKeys(withRetired: boolean): CheckInput['keys'] {
    const current = this.deps.keys.session;
    const keys = current ? [{ keyId: current.keyId, publicKeyPem: current.publicKeyPem }] : [];
    return withRetired ? [...keys, ...this.memory.retiredKeys] : keys;
  }

  private trustFor(signerKeyId: string): TrustContext {
    const t = this.trust();
    if (t.centralKey && this.deps.keys.session?.keyId === signerKeyId) return t;
    const retired = this.memory.retiredKeys.find((k) => k.keyId === signerKeyId);
    return retired ? { ...t, centralKey: publicKeyFrom(retired.publicKeyPem) } : t;
  }

  // ---- what is held ----

  /** Held packages by unlockAt (ending ones excluded). */
  get held(): SessionPackage[] {
    return [...this.heldById.values()]
      .filter((h) => !h.ending)
      .map((h) => h.pkg)
      .sort((a, b) => Date.parse(a.unlockAt) - Date.parse(b.unlockAt) || a.packageId.localeCompare(b.packageId));
  }

  /** The package for visits: the earliest (by unlockAt) held one that has not expired or ended. */
  get current(): SessionPackage | null {
    const now = this.deps.clock.now();
    return this.held.find((p) => now < Date.parse(p.expiresAt)) ?? null;
  }

  /** Whether this exact version is still held and not ending (a visit pinned to it may commit). */
  isOpen(pkg: SessionPackage): boolean {
    const h = this.heldById.get(pkg.packageId);
    return !!h && !h.ending && h.pkg.version === pkg.version;
  }

  /** Runs `fn` under the lifecycle lock while `pkg` stays open: a sign record commits into an open package or not at all. */
  whileOpen<T>(pkg: SessionPackage, fn: () => Promise<T>): Promise<T> {
    return this.lifecycle.run(async () => {
      if (!this.isOpen(pkg))
        throw new BoothError(
          'BOOTH_ERR_SESSION_NONE',
          `session ${pkg.packageId} v${pkg.version} has ended: nothing is recorded into it`,
        );
      return fn();
    });
  }

  /** Whether the roster of `pkg` may be opened now (its unlock time passed, or a signed command arrived). */
  unlockState(pkg: SessionPackage | null = this.current): { sealed: boolean; cause: UnlockCause | null } {
    const h = pkg ? this.heldById.get(pkg.packageId) : undefined;
    if (!pkg || !h || h.pkg.version !== pkg.version) return { sealed: true, cause: null };
    if (h.unlockedBy) return { sealed: false, cause: h.unlockedBy };
    if (this.deps.clock.now() >= Date.parse(pkg.unlockAt)) return { sealed: false, cause: 'time' };
    return { sealed: true, cause: null };
  }

  /**
   * Refuses what the booth's memory already rules out, before anything is fetched: a version not
   * newer than the highest ever held or revoked, or a package that was closed.
   */
  refuseStale(packageId: string, version: number): void {
    const m = this.memory.of(packageId);
    if (m.closed)
      throw rejection('stale', `package ${packageId} was closed (${m.closed.cause}) and never reopens`, {
        packageId,
        version,
      });
    if (version <= m.highest)
      throw rejection('stale', `version ${version} of ${packageId} is not newer than ${m.highest}, held before`, {
        packageId,
        version,
        highest: m.highest,
      });
  }

  // ---- install ----

  /**
   * Verifies and installs the package in `file` (consumed: moved into place or deleted). One
   * install at a time. Nothing changes on a refusal.
   */
  install(file: string, hooks: InstallHooks = {}): Promise<InstallResult> {
    return this.installs.run(() => this.installNow(file, hooks));
  }

  private async installNow(file: string, hooks: InstallHooks): Promise<InstallResult> {
    const stage = await this.tempFile('stage');
    try {
      this.deps.recordable?.(); // before documents are staged on a full disk
      const keys = this.trustedKeys(false);
      const r = await this.runCheck({
        file,
        keys,
        boothId: this.deps.boothId,
        boothPublicKeyPem: this.deps.boothPublicKeyPem,
        boothPrivateKeyPem: this.deps.boothPrivateKeyPem,
        now: this.deps.clock.now(),
        stageDir: stage,
        skip: await this.heldDocuments(),
      });
      const pkg = r.pkg;
      try {
        this.refuseStale(pkg.packageId, pkg.version);
        const old = this.heldById.get(pkg.packageId);
        if (old) hooks.replacing?.(old.pkg);
        const missing = await this.missingDocuments(pkg, r.staged);
        if (missing.length) {
          if (!hooks.fetch)
            throw rejection(
              'unavailable',
              `document ${missing[0]?.name} is published by url and this booth has no package channel (not enrolled): install a package with inline documents`,
            );
          await hooks.fetch(missing, stage);
        }
        return await this.lifecycle.run(() => this.commitInstall(file, stage, r, hooks));
      } catch (err) {
        // Say which package a refusal is about (the channel reports refusals by id and version).
        if (err instanceof BoothError && err.details.packageId === undefined)
          throw new BoothError(
            err.code,
            err.message,
            { ...err.details, packageId: pkg.packageId, version: pkg.version },
            { cause: err.cause },
          );
        throw err;
      }
    } finally {
      await rm(stage, { recursive: true, force: true });
      await rm(file, { force: true });
    }
  }

  private async commitInstall(
    file: string,
    stage: string,
    r: CheckResult,
    hooks: InstallHooks,
  ): Promise<InstallResult> {
    const pkg = r.pkg;
    this.refuseStale(pkg.packageId, pkg.version); // again: another install may have won meanwhile
    this.deps.recordable?.(); // again, under the lock: the disk may have filled during the check
    const old = this.heldById.get(pkg.packageId) ?? null;
    if (old) {
      hooks.replacing?.(old.pkg);
      old.ending = true;
      try {
        await hooks.replaced?.(old.pkg);
      } catch (err) {
        old.ending = false;
        throw err;
      }
    }
    const staged = (await readdir(stage)).flatMap((n) => /^([0-9a-f]{64})\.pdf$/.exec(n)?.[1] ?? []);
    await mkdir(this.documents.dir, { recursive: true, mode: 0o700 });
    await this.adoptStaged(stage, staged);
    const dir = this.packageDir(pkg.packageId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The unlock of an older version is for that version only.
    await rm(join(dir, 'unlock.json'), { force: true });
    await rename(file, join(dir, 'package.json'));
    await syncDir(dir);
    await this.memory.update((s) => raise(s, pkg.packageId, { highest: pkg.version }));
    this.heldById.set(pkg.packageId, { pkg, unlockedBy: null, matching: null, ending: false });
    await this.tidy();
    await this.deps.audit({
      event: 'session.installed',
      packageId: pkg.packageId,
      version: pkg.version,
      entries: r.entries,
      signer: r.signerKeyId,
      ...(old ? { replaced: old.pkg.version } : {}),
    });
    return { pkg, replaced: old?.pkg ?? null, entries: r.entries };
  }

  private async missingDocuments(pkg: SessionPackage, staged: string[]): Promise<MissingDocument[]> {
    const out: MissingDocument[] = [];
    for (const p of pkg.projects)
      for (const d of p.documents) {
        if (staged.includes(d.sha256) || out.some((m) => m.sha256 === d.sha256)) continue;
        if (await this.documents.has(d.sha256)) continue;
        // checkShape guarantees a url where there are no bytes; inline ones were staged.
        out.push({ sha256: d.sha256, url: d.url ?? '', name: `${p.id}/${d.id}` });
      }
    return out;
  }

  private async adoptStaged(stage: string, staged: string[]): Promise<void> {
    if (!staged.length) return;
    await mkdir(this.documents.dir, { recursive: true, mode: 0o700 });
    for (const sha of staged) await this.documents.adopt(join(stage, `${sha}.pdf`), sha);
  }

  private async heldDocuments(): Promise<string[]> {
    const out: string[] = [];
    for (const h of this.heldById.values())
      for (const p of h.pkg.projects) for (const d of p.documents) out.push(d.sha256);
    return out;
  }

  /** Drops documents and retired keys no held package needs any more. */
  private async tidy(): Promise<void> {
    await this.documents.prune(new Set(await this.heldDocuments()));
    const signers = new Set([...this.heldById.values()].map((h) => h.pkg.signature?.keyId));
    if (this.memory.retiredKeys.some((k) => !signers.has(k.keyId)))
      await this.memory.update((s) => {
        s.retiredKeys = s.retiredKeys.filter((k) => signers.has(k.keyId));
      });
  }

  // ---- commands ----

  /** A signed unlock command, bound to a held package's exact version, accepted once (nonce), within the window. */
  unlockByCommand(input: unknown): Promise<UnlockCommand> {
    return this.lifecycle.run(async () => {
      const cmd = verifyCommand(input, this.trust(), this.window);
      if (cmd.type !== 'unlock') throw rejection('malformed', `expected an unlock command, got ${cmd.type}`);
      this.refuseReplay(cmd.nonce, 'unlock');
      const h = this.heldById.get(cmd.packageId);
      if (!h || h.ending)
        throw new BoothError('BOOTH_ERR_SESSION_NONE', `package ${cmd.packageId} is not held on this booth`, {
          packageId: cmd.packageId,
        });
      verifyUnlock(cmd, h.pkg, this.trust(), this.window);
      this.deps.recordable?.();
      await writeFileDurable(join(this.packageDir(h.pkg.packageId), 'unlock.json'), JSON.stringify(cmd), 0o600);
      await this.memory.update((s) => void s.nonces.push(cmd.nonce));
      h.unlockedBy = 'command';
      await this.deps.audit({
        event: 'session.unlock-command',
        packageId: cmd.packageId,
        version: cmd.version,
        issuedAt: cmd.issuedAt,
        nonce: cmd.nonce,
      });
      return cmd;
    });
  }

  /**
   * A signed revoke: every version up to cmd.version is never installed again; a held one ends
   * (`ended` runs its no-show pass first, under the lock). Returns the package it ended, if any.
   */
  revoke(
    input: unknown,
    hooks: { ending?: (pkg: SessionPackage) => void; ended?: (pkg: SessionPackage) => Promise<void> } = {},
  ): Promise<{ cmd: RevokeCommand; ended: SessionPackage | null }> {
    return this.lifecycle.run(async () => {
      const cmd = verifyCommand(input, this.trust(), this.window);
      if (cmd.type !== 'revoke') throw rejection('malformed', `expected a revoke command, got ${cmd.type}`);
      this.refuseReplay(cmd.nonce, 'revoke');
      this.deps.recordable?.();
      const h = this.heldById.get(cmd.packageId);
      const target = h && !h.ending && h.pkg.version <= cmd.version ? h : null;
      if (target) {
        hooks.ending?.(target.pkg);
        await this.endHeld(target, hooks.ended, (s) => {
          raise(s, cmd.packageId, { highest: cmd.version });
          s.nonces.push(cmd.nonce);
        });
      } else
        await this.memory.update((s) => {
          raise(s, cmd.packageId, { highest: cmd.version });
          s.nonces.push(cmd.nonce);
        });
      await this.deps.audit({
        event: 'session.revoked',
        packageId: cmd.packageId,
        version: cmd.version,
        held: target?.pkg.version ?? null,
        reason: cmd.reason,
        nonce: cmd.nonce,
      });
      return { cmd, ended: target?.pkg ?? null };
    });
  }

  /** A signed key rotation (verified by the current session key). The replaced session key stays for the packages it signed. */
  rotateKey(input: unknown): Promise<{ purpose: 'session' | 'escrow'; keyId: string; changed: boolean }> {
    return this.lifecycle.run(async () => {
      const cmd = verifyCommand(input, this.trust(), this.window);
      if (cmd.type !== 'key-rotation') throw rejection('malformed', `expected a key-rotation command, got ${cmd.type}`);
      this.refuseReplay(cmd.nonce, 'key-rotation');
      this.deps.recordable?.();
      const before = this.deps.keys.session;
      const replaced = await this.deps.keys.rotate(cmd);
      const still = replaced && [...this.heldById.values()].some((h) => h.pkg.signature?.keyId === replaced.keyId);
      await this.memory.update((s) => {
        s.nonces.push(cmd.nonce);
        if (still && replaced && !s.retiredKeys.some((k) => k.keyId === replaced.keyId))
          s.retiredKeys.push({ keyId: replaced.keyId, publicKeyPem: replaced.publicKeyPem });
      });
      const changed = cmd.purpose === 'escrow' || before?.keyId !== this.deps.keys.session?.keyId;
      await this.deps.audit({ event: 'key.rotated', purpose: cmd.purpose, keyId: cmd.keyId, nonce: cmd.nonce });
      return { purpose: cmd.purpose, keyId: cmd.keyId, changed };
    });
  }

  private refuseReplay(nonce: string, what: string): void {
    if (this.memory.hasNonce(nonce))
      throw rejection('stale', `this ${what} command was already obeyed (nonce ${nonce}); a command counts once`);
  }

  // ---- end ----

  /**
   * Ends a held package for good (staff close, expiry): `ended` (the no-show pass) runs first,
   * under the lock; then the package is remembered as closed, its folder and unneeded documents
   * go. Ending the version a visit is pinned to is refused by `ending` (the caller's check).
   */
  end(
    pkg: SessionPackage,
    cause: 'close' | 'expiry',
    hooks: { ending?: (pkg: SessionPackage) => void; ended?: (pkg: SessionPackage) => Promise<void> } = {},
  ): Promise<void> {
    return this.lifecycle.run(async () => {
      const h = this.heldById.get(pkg.packageId);
      if (!h || h.ending || h.pkg.version !== pkg.version)
        throw new BoothError('BOOTH_ERR_CONFLICT', `session ${pkg.packageId} v${pkg.version} is already closed`);
      hooks.ending?.(h.pkg);
      const at = this.deps.clock.now();
      await this.endHeld(h, hooks.ended, (s) =>
        raise(s, pkg.packageId, { highest: pkg.version, closed: { cause, version: pkg.version, at } }),
      );
    });
  }

  private async endHeld(
    h: Held,
    ended: ((pkg: SessionPackage) => Promise<void>) | undefined,
    remember: (s: Parameters<Parameters<SessionMemory['update']>[0]>[0]) => void,
  ): Promise<void> {
    h.ending = true;
    try {
      await ended?.(h.pkg);
    } catch (err) {
      h.ending = false;
      throw err;
    }
    // Remembered first: a crash before the folder goes leaves a package that load() removes.
    await this.memory.update(remember);
    this.heldById.delete(h.pkg.packageId);
    h.matching = null;
    await rm(this.packageDir(h.pkg.packageId), { recursive: true, force: true });
    await this.tidy();
  }

  // ---- the roster ----

  /** The matching data of every entry of `pkg`, opened once per unlock and kept in memory only. */
  async matchingEntries(pkg: SessionPackage): Promise<readonly MatchingEntry[]> {
    const h = this.requireHeld(pkg);
    const state = this.unlockState(pkg);
    if (state.sealed)
      throw new BoothError('BOOTH_ERR_SESSION_SEALED', `the roster opens at ${pkg.unlockAt}`, {
        unlockAt: pkg.unlockAt,
      });
    if (h.matching) return h.matching;
    await this.deps.audit({
      event: 'roster.unlocked',
      packageId: pkg.packageId,
      version: pkg.version,
      cause: state.cause,
      part: 'matching',
      entries: pkg.roster.entries.length,
    });
    h.matching = pkg.roster.entries.map((e) => ({
      ref: e.ref,
      ...openEntryPart(pkg, e, 'matching', this.deps.boothPrivateKey),
    }));
    return h.matching;
  }

  /** The entry whose ID-number hash matches (the staff-witnessed path), or null. */
  async findByIdNumber(pkg: SessionPackage, idNumber: string): Promise<string | null> {
    const want = idNumberHash(pkg.packageId, idNumber);
    const hit = (await this.matchingEntries(pkg)).find((e) => sameHash(e.idNumberHash, want));
    return hit?.ref ?? null;
  }

  /** Opens one expert's identity: only once that expert has verified, or in the no-show pass of an ending package. */
  async openIdentity(
    pkg: SessionPackage,
    ref: string,
    why: 'verified' | 'session-close',
    method?: string,
  ): Promise<IdentityPart> {
    this.requireHeld(pkg);
    if (this.unlockState(pkg).sealed) throw new BoothError('BOOTH_ERR_SESSION_SEALED', 'the roster is still sealed');
    const entry = pkg.roster.entries.find((e) => e.ref === ref);
    if (!entry) throw new BoothError('BOOTH_ERR_NOT_FOUND', 'no such roster entry');
    const identity = openEntryPart(pkg, entry, 'identity', this.deps.boothPrivateKey);
    await this.deps.audit({
      event: 'roster.opened',
      packageId: pkg.packageId,
      version: pkg.version,
      ref,
      part: 'identity',
      why,
      ...(method ? { method } : {}),
      expertId: identity.expertId,
    });
    return identity;
  }

  /** Forgets opened matching data of `pkg` (its session closes). The sealed package stays. */
  forget(pkg: SessionPackage): void {
    const h = this.heldById.get(pkg.packageId);
    if (h) h.matching = null;
  }

  private requireHeld(pkg: SessionPackage): Held {
    const h = this.heldById.get(pkg.packageId);
    if (!h || h.pkg.version !== pkg.version)
      throw new BoothError('BOOTH_ERR_SESSION_NONE', `session ${pkg.packageId} v${pkg.version} is not held`);
    return h;
  }
}
