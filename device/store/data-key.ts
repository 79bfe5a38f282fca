import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BoothError } from '../../protocol/errors.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';

/**
 * The data key that encrypts sensitive blobs at rest (face templates, signature dynamics):
 * 32 random bytes, hex in a 0600 file, created on first use. Its path is configurable so a
 * device can keep it off the data medium (a separate partition, a secure element mount).
 */
export async function loadOrCreateDataKey(path: string): Promise<Buffer> {
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === null) {
    const key = randomBytes(32);
    await writeFileDurable(path, key.toString('hex') + '\n', 0o600);
    return key;
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new BoothError('BOOTH_ERR_STORE_FAULT', `data key ${path}: expected 64 hex digits (32 bytes)`, { path });
  return Buffer.from(hex, 'hex');
}
