import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, resolveConfigSource, type ConfigOverrides } from '../config/load.js';
import { isBoothError } from '../../protocol/errors.js';
import type { BoothConfig } from '../config/schema.js';
import { EXIT, UsageError } from './command.js';

/** Options every booth-running command takes. */
export const configOptions = {
  config: { type: 'string' },
  hardware: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export { UsageError };

export function parseWith<O extends ParseArgsConfig['options']>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function overridesFrom(values: { hardware?: string; port?: string; 'data-dir'?: string }): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (values.hardware !== undefined) {
    if (!['sim', 'real', 'auto'].includes(values.hardware))
      throw new UsageError(`--hardware: expected sim, real or auto`);
    o.hardware = values.hardware as ConfigOverrides['hardware'];
  }
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('--port: expected an integer 0-65535');
    o.port = port;
  }
  if (values['data-dir'] !== undefined) o.dataDir = values['data-dir'];
  return o;
}

/**
 * Loads the config for a command; on an invalid file prints what is wrong and returns the
 * exit code 2 (systemd does not restart on it: see RestartPreventExitStatus in booth.service).
 */
export async function configOrExit(values: {
  config?: string;
  hardware?: string;
  port?: string;
  'data-dir'?: string;
}): Promise<{ config: BoothConfig; path: string | null } | { exit: number }> {
  try {
    const { config, source } = await loadConfig(resolveConfigSource(values.config), overridesFrom(values));
    return { config, path: source.path };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (isBoothError(err, 'BOOTH_ERR_CONFIG_INVALID') || isBoothError(err, 'BOOTH_ERR_CONFIG_UNREADABLE')) {
      process.stderr.write(`booth: invalid configuration\n`);
      const problems = (err.details.problems as { field: string; expected: string }[] | undefined) ?? [];
      if (problems.length === 0) process.stderr.write(`  ${err.message}\n`);
      for (const p of problems) process.stderr.write(`  ${p.field}: expected ${p.expected}\n`);
      if (problems.length > 0) process.stderr.write(`  (${err.message.split(':')[0]})\n`);
      return { exit: EXIT.config };
    }
    throw err;
  }
}
