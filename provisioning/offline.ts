import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../protocol/errors.js';
import { readIfExists, writeFileDurable } from '../protocol/crypto/key-files.js';
import type { EnrollRequest } from '../protocol/enroll.js';

/**
 * Enrollment for halls without network, in two trips of a USB stick:
 * 1. the booth writes enrollment-request.json (token + CSR) to the stick;
 * 2. at the central office the request is answered into enrollment-response.json;
 * 3. back at the booth, the answer is checked and installed, and the request (it holds the
 *    token) and token.txt are deleted from the stick.
 * The private key never leaves the booth.
 */
export const OFFLINE_FILES = {
  token: 'token.txt',
  request: 'enrollment-request.json',
  response: 'enrollment-response.json',
} as const;

export async function offlineToken(bundleDir: string): Promise<string | null> {
  return (await readIfExists(join(bundleDir, OFFLINE_FILES.token)))?.trim() || null;
}

export async function writeOfflineRequest(bundleDir: string, request: EnrollRequest): Promise<string> {
  const path = join(bundleDir, OFFLINE_FILES.request);
  await writeFileDurable(path, `${JSON.stringify(request, null, 2)}\n`, 0o600);
  return path;
}

export async function readOfflineRequest(bundleDir: string): Promise<unknown> {
  return JSON.parse(await readFile(join(bundleDir, OFFLINE_FILES.request), 'utf8')) as unknown;
}

/** The central office's answer, or null when the stick has not been there yet. */
export async function readOfflineResponse(bundleDir: string): Promise<unknown> {
  const text = await readIfExists(join(bundleDir, OFFLINE_FILES.response));
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BoothError('BOOTH_ERR_ENROLL_FAILED', `${OFFLINE_FILES.response} on the stick is not valid JSON`);
  }
}

export async function writeOfflineResponse(bundleDir: string, response: unknown): Promise<void> {
  await writeFileDurable(join(bundleDir, OFFLINE_FILES.response), `${JSON.stringify(response, null, 2)}\n`, 0o644);
}

/** Removes what holds the token from the stick once enrollment is installed. */
export async function forgetOfflineToken(bundleDir: string): Promise<void> {
  await rm(join(bundleDir, OFFLINE_FILES.request), { force: true });
  await rm(join(bundleDir, OFFLINE_FILES.token), { force: true });
}
