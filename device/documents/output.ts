import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';

/**
 * Writes a result PDF so a power cut leaves the old file or the new one (temp file, fsync,
 * rename, fsync the directory), and never over the input: the original stays as it was. A
 * failed write removes its temp file (writeFileDurable); checkOutputPath lets a caller refuse a
 * bad --out before any work, so a directory given as --out costs nothing and leaves nothing.
 */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/** BOOTH_ERR_BAD_INPUT when `outPath` is the input or a directory: the checks a write would fail late. */
export async function checkOutputPath(outPath: string, inputPath?: string): Promise<void> {
  if (inputPath && (await canonical(inputPath)) === (await canonical(outPath)))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `output: expected a path other than the input (${outPath})`);
  const isDir = outPath.endsWith('/') || (await stat(outPath).catch(() => null))?.isDirectory() === true;
  if (isDir)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `output: ${outPath} is a directory; expected a file path`, {
      out: outPath,
    });
}

export async function writePdfDurable(outPath: string, bytes: Uint8Array, inputPath?: string): Promise<void> {
  await checkOutputPath(outPath, inputPath);
  await writeFileDurable(outPath, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), 0o644);
}
