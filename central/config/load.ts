import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator, deepFreeze } from '../../protocol/validate.js';
import { CentralConfigSchema, type CentralConfig } from './schema.js';

const validator = compileValidator(CentralConfigSchema, { defaults: true, code: 'BOOTH_ERR_CONFIG_INVALID' });
export const DEFAULT_CONFIG_PATH = '/etc/booth-central/central.json';

export interface CentralConfigSource {
  /** The file read, or null: the defaults (no file at the default path). */
  path: string | null;
  origin: 'flag' | 'env' | 'default';
}

/** --config wins over BOOTH_CENTRAL_CONFIG, which wins over /etc/booth-central/central.json. */
export function resolveCentralConfigSource(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CentralConfigSource {
  if (flag) return { path: resolve(flag), origin: 'flag' };
  if (env.BOOTH_CENTRAL_CONFIG) return { path: resolve(env.BOOTH_CENTRAL_CONFIG), origin: 'env' };
  return { path: DEFAULT_CONFIG_PATH, origin: 'default' };
}

export interface CentralOverrides {
  dataDir?: string;
}

/**
 * Validates raw config and returns it frozen with defaults filled; BOOTH_ERR_CONFIG_INVALID names
 * every bad field. The database URL comes from the file, else from DATABASE_URL.
 */
export function parseCentralConfig(
  raw: unknown,
  label = 'config',
  overrides: CentralOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): CentralConfig {
  const copy: unknown = structuredClone(raw ?? {});
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy))
    throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `${label}: expected a JSON object at the top level`, {
      problems: [{ field: '/', expected: 'object' }],
    });
  const config = validator.parse(copy, label);
  if (overrides.dataDir !== undefined) config.dataDir = overrides.dataDir;
  else if (config.dataDir === './.central-data' && env.STATE_DIRECTORY)
    config.dataDir = env.STATE_DIRECTORY.split(':')[0] ?? config.dataDir;
  config.dataDir = resolve(config.dataDir);
  if (!config.databaseUrl && env.DATABASE_URL) config.databaseUrl = env.DATABASE_URL;
  return deepFreeze(config);
}

export async function loadCentralConfig(
  source: CentralConfigSource,
  overrides: CentralOverrides = {},
): Promise<{ config: CentralConfig; source: CentralConfigSource }> {
  if (source.path === null) return { config: parseCentralConfig({}, 'defaults', overrides), source };
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && source.origin === 'default')
      return { config: parseCentralConfig({}, 'defaults', overrides), source: { ...source, path: null } };
    throw new BoothError('BOOTH_ERR_CONFIG_UNREADABLE', `config ${source.path}: cannot read (${code ?? String(err)})`, {
      path: source.path,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      `config ${source.path}: not valid JSON (${(err as Error).message})`,
      {
        path: source.path,
        problems: [{ field: '/', expected: 'valid JSON' }],
      },
    );
  }
  return { config: parseCentralConfig(raw, `config ${source.path}`, overrides), source };
}
