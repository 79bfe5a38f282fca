import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { readIfExists } from '../../protocol/crypto/key-files.js';
import { publicKeyFrom } from '../../protocol/session/keys.js';
import { BoothError } from '../../protocol/errors.js';
import { identityPaths } from '../crypto/identity.js';

/**
 * The centre's escrow public key, which signature dynamics in a sealed PDF are encrypted to.
 * Enrollment writes it to `<dataDir>/identity/central-escrow.pem`; `documents.escrowKey` names
 * another file. Read at each seal (cheap), so a booth enrolled while running uses it at once.
 */
export function escrowKeyPath(dataDir: string, configured: string): string {
  return configured || join(identityPaths(dataDir).dir, 'central-escrow.pem');
}

/** The key, or null when the file does not exist (simulation, not enrolled). A file that is not a P-256 key is an error. */
export async function loadEscrowKey(path: string): Promise<KeyObject | null> {
  const pem = await readIfExists(path);
  if (pem === null) return null;
  try {
    return publicKeyFrom(pem);
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `escrow key ${path}: ${(err as Error).message}`,
      { path },
      { cause: err },
    );
  }
}
