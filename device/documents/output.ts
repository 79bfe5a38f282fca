import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';

/**
 * Writes a result PDF so a power cut leaves the old file or the new one (temp file, fsync,
 * rename, fsync the directory), and never over the input: the original stays as it was.
 */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

export async function writePdfDurable(outPath: string, bytes: Uint8Array, inputPath?: string): Promise<void> {
  if (inputPath && (await canonical(inputPath)) === (await canonical(outPath)))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `output: expected a path other than the input (${outPath})`);
  await writeFileDurable(outPath, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0o644);
}
