import { request } from 'node:http';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { BoothError, ERROR_CODES, type ErrorCode } from '../../protocol/errors.js';
import { readIfExists } from '../../protocol/crypto/key-files.js';
import { compileValidator } from '../../protocol/validate.js';
import type { CentralConfig } from '../config/schema.js';
import { centralPaths } from '../data-dir.js';
import { holderAlive } from '../lock.js';
import { openContext } from '../open-context.js';
import type { Op } from '../ops/op.js';
import type { RunInfo } from '../service.js';

/**
 * Runs an operation for a command: through the admin API of a service running on the same data
 * directory (it owns the embedded database), or else directly on the database. Either way the
 * input is validated by the operation's schema and the answer is the same.
 */
export async function invoke<I extends TSchema, O extends TSchema>(
  op: Op<I, O>,
  input: Static<I>,
  o: { config: CentralConfig; log: Logger },
): Promise<Static<O>> {
  const running = await runningService(o.config);
  if (running) return viaAdmin(op, input, running, o.config);
  const checked = compileValidator(op.input, { defaults: true }).parse(structuredClone(input), op.name);
  const ctx = await openContext(o.config, o.log);
  try {
    return await op.run(ctx, checked);
  } finally {
    await ctx.close();
  }
}

/** The service running on this data directory (its admin API), or null. */
export async function runningService(config: CentralConfig): Promise<RunInfo | null> {
  const text = await readIfExists(centralPaths(config.dataDir).run);
  if (!text) return null;
  try {
    const run = JSON.parse(text) as RunInfo;
    return (await holderAlive({ pid: run.pid, startTime: run.startTime })) ? run : null;
  } catch {
    return null;
  }
}

async function viaAdmin<I extends TSchema, O extends TSchema>(
  op: Op<I, O>,
  input: Static<I>,
  run: RunInfo,
  config: CentralConfig,
): Promise<Static<O>> {
  const token = (await readIfExists(centralPaths(config.dataDir).adminToken))?.trim();
  if (!token) throw new BoothError('BOOTH_ERR_UNAUTHORIZED', 'the admin token is not readable by this user');
  const url = new URL(op.url, run.adminUrl);
  let body: Buffer | null = null;
  if (op.method === 'GET') {
    for (const [k, v] of Object.entries(input as Record<string, unknown>))
      if (v !== undefined) url.searchParams.set(k, String(v));
  } else body = Buffer.from(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: op.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new BoothError('BOOTH_ERR_INTERNAL', `admin API ${op.url}: answer is not JSON`));
          }
          if (res.statusCode === 200) return resolve(parsed as Static<O>);
          const e = parsed as { code?: string; message?: string; details?: Record<string, unknown> };
          const code = e.code && e.code in ERROR_CODES ? (e.code as ErrorCode) : 'BOOTH_ERR_INTERNAL';
          reject(new BoothError(code, e.message ?? `admin API ${op.url}: HTTP ${res.statusCode}`, e.details ?? {}));
        });
      },
    );
    req.on('error', (err) =>
      reject(
        new BoothError('BOOTH_ERR_NOT_READY', `the running service's admin API (${run.adminUrl}): ${err.message}`),
      ),
    );
    req.end(body ?? undefined);
  });
}
