import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino, { type Logger } from 'pino';
import { isBoothError } from '../../protocol/errors.js';
import { loadCentralConfig, resolveCentralConfigSource } from '../config/load.js';
import type { CentralConfig } from '../config/schema.js';
import { UsageError } from './command.js';

/** Options every command takes. */
export const commonOptions = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parseWith<O extends ParseArgsConfig['options']>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Logs go to stderr as JSON lines (journald keeps them); commands print their results on stdout. */
export function commandLogger(config: CentralConfig | null, level?: string): Logger {
  return pino({ level: level ?? config?.log.level ?? 'info', base: { svc: 'booth-central' } }, pino.destination(2));
}

/** The configuration, or an exit code after printing what is wrong (2: invalid, as the booth). */
export async function configOrExit(values: {
  config?: string | undefined;
  'data-dir'?: string | undefined;
}): Promise<{ config: CentralConfig } | { exit: number }> {
  try {
    const { config } = await loadCentralConfig(
      resolveCentralConfigSource(values.config),
      values['data-dir'] ? { dataDir: values['data-dir'] } : {},
    );
    return { config };
  } catch (err) {
    if (isBoothError(err, 'BOOTH_ERR_CONFIG_INVALID') || isBoothError(err, 'BOOTH_ERR_CONFIG_UNREADABLE')) {
      process.stderr.write('booth-central: invalid configuration\n');
      const problems = (err.details.problems as { field: string; expected: string }[] | undefined) ?? [];
      if (problems.length === 0) process.stderr.write(`  ${err.message}\n`);
      for (const p of problems) process.stderr.write(`  ${p.field}: expected ${p.expected}\n`);
      return { exit: 2 };
    }
    throw err;
  }
}
