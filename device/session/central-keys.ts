import { type KeyObject } from 'node:crypto';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { BoothError } from '../../protocol/errors.js';
import { keyId, publicKeyFrom } from '../../protocol/session/keys.js';
import type { KeyRotation } from '../../protocol/session/schema.js';
import { rejection } from '../../protocol/session/verify.js';

/**
 * The central keys the booth pins (docs/provisioning.md): the session key that signs packages
 * and commands (identity/central-session.pem, or visit.session.centralKey) and the escrow key
 * signature dynamics are encrypted to (identity/central-escrow.pem). Enrollment writes both; a
 * key-rotation command signed by the current session key replaces one (the caller verifies the
 * command and keeps the replaced session key while a held package still needs it).
 */
export interface PinnedKey {
  keyId: string;
  publicKeyPem: string;
  key: KeyObject;
}

export interface CentralKeyPaths {
  session: string;
  escrow: string;
}

export function pinned(pem: string): PinnedKey {
  const key = publicKeyFrom(pem);
  return { key, keyId: keyId(key), publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

export class CentralKeys {
  private sessionKey: PinnedKey | null = null;
  /** True when the session key is the demo fallback (simulation), not a pinned file. */
  private fallbackOnly = false;

  constructor(
    readonly paths: CentralKeyPaths,
    private readonly fallback: () => Promise<string | null> = async () => null,
  ) {}

  async load(): Promise<PinnedKey | null> {
    const pem = await readIfExists(this.paths.session);
    if (pem) this.sessionKey = pinned(pem);
    else {
      const demo = await this.fallback();
      this.sessionKey = demo ? pinned(demo) : null;
      this.fallbackOnly = demo !== null;
    }
    return this.sessionKey;
  }

  get session(): PinnedKey | null {
    return this.sessionKey;
  }

  get isFallback(): boolean {
    return this.fallbackOnly;
  }

  /**
   * Pins the key of a verified rotation command. Returns the session key it replaced (null for
   * escrow, or when the key was already pinned: a rotation delivered twice changes nothing).
   */
  async rotate(cmd: KeyRotation): Promise<PinnedKey | null> {
    const next = pinned(cmd.publicKeyPem);
    if (next.keyId !== cmd.keyId)
      throw rejection('malformed', `key-rotation: keyId ${cmd.keyId} is not the SHA-256 of the key it carries`);
    if (cmd.purpose === 'escrow') {
      await writeFileDurable(this.paths.escrow, next.publicKeyPem, 0o644);
      return null;
    }
    const previous = this.sessionKey;
    if (previous?.keyId === next.keyId) return null;
    if (this.fallbackOnly)
      throw new BoothError('BOOTH_ERR_CONFLICT', 'the demo key is not rotated: pin a central key by enrollment');
    await writeFileDurable(this.paths.session, next.publicKeyPem, 0o644);
    this.sessionKey = next;
    return previous;
  }
}
