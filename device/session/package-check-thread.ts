import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BoothError, ERROR_CODES, type ErrorCode } from '../../protocol/errors.js';
import { projectDir } from '../paths.js';
import type { CheckInput, CheckResult } from './package-check.js';

/**
 * Runs checkPackageFile on a worker thread, one thread per check: the kiosk's event loop stays
 * free while a package of tens of megabytes is parsed, verified and its documents written, and
 * the parsed copy is freed with the thread. Only the result (the package without document
 * bytes) crosses back. Errors come back as the same coded BoothError.
 */
export type CheckReply = { ok: true; result: CheckResult } | { ok: false; error: WireError };

interface WireError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export function toWire(err: unknown): WireError {
  if (err instanceof BoothError) return { code: err.code, message: err.message, details: { ...err.details } };
  return { code: 'BOOTH_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), details: {} };
}

function fromWire(e: WireError): BoothError {
  return new BoothError(e.code in ERROR_CODES ? e.code : 'BOOTH_ERR_INTERNAL', e.message, e.details);
}

function workerEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./package-check-worker.js', import.meta.url);
  return pathToFileURL(join(projectDir(), 'dist', 'device', 'session', 'package-check-worker.js'));
}

export function checkOnThread(input: CheckInput): Promise<CheckResult> {
  const entry = workerEntry();
  if (!existsSync(entry))
    return Promise.reject(
      new BoothError('BOOTH_ERR_INTERNAL', `package check thread: ${fileURLToPath(entry)} missing (run npm run build)`),
    );
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: input, name: 'package-check', execArgv: [] });
    let settled = false;
    worker.once('message', (m: CheckReply) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(fromWire(m.error));
    });
    worker.once('error', (err) => {
      if (!settled) reject(new BoothError('BOOTH_ERR_INTERNAL', `package check thread: ${err.message}`));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new BoothError('BOOTH_ERR_INTERNAL', `package check thread exited with code ${code}`));
      settled = true;
    });
  });
}
