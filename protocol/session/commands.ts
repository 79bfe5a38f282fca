import { randomBytes } from 'node:crypto';
import { compileValidator } from '../validate.js';
import { keyId, publicKeyFrom, signDocument, verifyDocument } from './keys.js';
import {
  CentralCommandSchema,
  KeyRotationSchema,
  RevokeCommandSchema,
  UnlockCommandSchema,
  type CentralCommand,
  type KeyRotation,
  type RevokeCommand,
  type SessionPackage,
  type UnlockCommand,
} from './schema.js';
import { parseJson, rejection, type TrustContext } from './verify.js';

/**
 * The central server's signed orders to one booth (docs/protocol.md, "Commands"): unlock a
 * package version before its time, revoke a package, rotate a central key. The central server
 * builds them; the booth verifies them here. What the booth must remember (the nonces it has
 * seen) is the booth's state, not this module's: verification is pure.
 */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nonce = () => randomBytes(16).toString('hex');

export function buildUnlockCommand(
  o: { packageId: string; version: number; boothId: string; issuedAt: number },
  centralPrivateKeyPem: string,
): UnlockCommand {
  const cmd = { type: 'unlock' as const, ...o, issuedAt: iso(o.issuedAt), nonce: nonce() };
  return { ...cmd, signature: signDocument('unlock', cmd, centralPrivateKeyPem) };
}

export function buildRevokeCommand(
  o: { packageId: string; version: number; boothId: string; issuedAt: number; reason: string },
  centralPrivateKeyPem: string,
): RevokeCommand {
  const cmd = { type: 'revoke' as const, ...o, issuedAt: iso(o.issuedAt), nonce: nonce() };
  return { ...cmd, signature: signDocument('revoke', cmd, centralPrivateKeyPem) };
}

/** A new key for `purpose`, signed by the session key the booth trusts now (`currentSessionKeyPem`). */
export function buildKeyRotation(
  o: { purpose: 'session' | 'escrow'; boothId: string; publicKeyPem: string; issuedAt: number },
  currentSessionKeyPem: string,
): KeyRotation {
  const cmd = {
    type: 'key-rotation' as const,
    purpose: o.purpose,
    boothId: o.boothId,
    publicKeyPem: o.publicKeyPem,
    keyId: keyId(publicKeyFrom(o.publicKeyPem)),
    issuedAt: iso(o.issuedAt),
    nonce: nonce(),
  };
  return { ...cmd, signature: signDocument('key-rotation', cmd, currentSessionKeyPem) };
}

/** How far a command's issuedAt may lie from the booth's clock. */
export interface CommandWindow {
  /** A command older than this is refused (a stolen or replayed old order). */
  maxAgeMs: number;
  /** A command dated this far in the future is refused (a 2099 order is not an order). */
  maxSkewMs: number;
}

export const DEFAULT_COMMAND_WINDOW: CommandWindow = { maxAgeMs: 24 * 3_600_000, maxSkewMs: 10 * 60_000 };

const validators = {
  unlock: compileValidator(UnlockCommandSchema),
  revoke: compileValidator(RevokeCommandSchema),
  'key-rotation': compileValidator(KeyRotationSchema),
};
const anyCommand = compileValidator(CentralCommandSchema);

/**
 * Schema, signature by the pinned central key, addressee and time window of any command.
 * Rejections are BOOTH_ERR_SESSION_REJECTED with a reason, as for packages; nothing changes.
 */
export function verifyCommand(
  input: unknown,
  trust: TrustContext,
  window: CommandWindow = DEFAULT_COMMAND_WINDOW,
): CentralCommand {
  const raw = parseJson(input) as { type?: unknown };
  const type = typeof raw?.type === 'string' && raw.type in validators ? (raw.type as keyof typeof validators) : null;
  const check = type ? validators[type].check(raw) : anyCommand.check(raw);
  if (!check.ok)
    throw rejection('malformed', check.problems.map((p) => `${p.field}: expected ${p.expected}`).join('; '));
  const cmd = raw as CentralCommand;
  if (!cmd.signature) throw rejection('unsigned', `the ${cmd.type} command carries no signature`);
  if (!trust.centralKey) throw rejection('other-key', 'no central server key is pinned on this booth');
  if (cmd.signature.keyId !== keyId(trust.centralKey))
    throw rejection('other-key', `${cmd.type} command signed by a key other than the pinned central key`);
  if (!verifyDocument(cmd.type, cmd, cmd.signature.value, trust.centralKey))
    throw rejection('tampered', `the ${cmd.type} command signature does not match its content`);
  if (cmd.boothId !== trust.boothId) throw rejection('other-booth', `the ${cmd.type} command is for ${cmd.boothId}`);
  const issued = Date.parse(cmd.issuedAt);
  if (issued > trust.now + window.maxSkewMs)
    throw rejection('malformed', `the ${cmd.type} command is dated ${cmd.issuedAt}, in the future of this booth`);
  if (issued < trust.now - window.maxAgeMs)
    throw rejection('expired', `the ${cmd.type} command was issued at ${cmd.issuedAt}, too long ago`);
  return cmd;
}

/** An unlock command for exactly this version of this package, before it expires. */
export function verifyUnlock(
  input: unknown,
  pkg: SessionPackage,
  trust: TrustContext,
  window: CommandWindow = DEFAULT_COMMAND_WINDOW,
): UnlockCommand {
  const cmd = verifyCommand(input, trust, window);
  if (cmd.type !== 'unlock') throw rejection('malformed', `expected an unlock command, got ${cmd.type}`);
  if (cmd.packageId !== pkg.packageId || cmd.version !== pkg.version)
    throw rejection(
      'stale',
      `the unlock command is for ${cmd.packageId} v${cmd.version}, not ${pkg.packageId} v${pkg.version}`,
    );
  if (trust.now >= Date.parse(pkg.expiresAt)) throw rejection('expired', 'the package has expired');
  return cmd;
}
