import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator, deepFreeze } from '../../protocol/validate.js';
import { BoothConfigSchema, type BoothConfig, type HardwareKind } from './schema.js';
import { hostPaths } from '../paths.js';
import { isLoopbackHost } from '../../protocol/http-hardening.js';

const validator = compileValidator(BoothConfigSchema, { defaults: true, code: 'BOOTH_ERR_CONFIG_INVALID' });

export interface ConfigSource {
  /** The file that was read, or null when the defaults are used (no file at the default path). */
  path: string | null;
  /** Why this path: --config, BOOTH_CONFIG or the default. */
  origin: 'flag' | 'env' | 'default';
}

export interface ConfigOverrides {
  /** --hardware sim|real|auto: forces the mode of every device. */
  hardware?: 'sim' | 'real' | 'auto';
  /** --port: listen port of the kiosk API. */
  port?: number;
  dataDir?: string;
}

/** --config wins over BOOTH_CONFIG, which wins over /etc/booth/booth.json. */
export function resolveConfigSource(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  if (flag) return { path: resolve(flag), origin: 'flag' };
  if (env.BOOTH_CONFIG) return { path: resolve(env.BOOTH_CONFIG), origin: 'env' };
  return { path: hostPaths().configFile, origin: 'default' };
}

/**
 * Validates raw config (already parsed JSON) and returns the frozen result with defaults
 * filled. Throws BOOTH_ERR_CONFIG_INVALID naming every bad field and what was expected.
 */
export function parseConfig(raw: unknown, label = 'config', overrides: ConfigOverrides = {}): BoothConfig {
  const copy: unknown = structuredClone(raw ?? {});
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `${label}: expected a JSON object at the top level`, {
      problems: [{ field: '/', expected: 'object' }],
    });
  }
  const config = validator.parse(copy, label);
  applyOverrides(config, overrides);
  checkKioskHost(config, label);
  if (overrides.dataDir === undefined && config.dataDir === './.booth-data' && process.env.STATE_DIRECTORY) {
    // Under systemd, StateDirectory= gives the data directory unless the file names one.
    config.dataDir = process.env.STATE_DIRECTORY.split(':')[0] ?? config.dataDir;
  }
  config.dataDir = resolve(config.dataDir);
  return deepFreeze(config);
}

/** The kiosk API takes staff PINs: off loopback only when the config says so in as many words. */
function checkKioskHost(config: BoothConfig, label: string): void {
  if (config.http.allowNonLoopback || isLoopbackHost(config.http.host)) return;
  throw new BoothError(
    'BOOTH_ERR_CONFIG_INVALID',
    `${label}: http.host ${config.http.host} is not a loopback address; set http.allowNonLoopback to true to listen there`,
    { problems: [{ field: '/http/host', expected: 'a loopback address (or http.allowNonLoopback: true)' }] },
  );
}

function applyOverrides(config: BoothConfig, o: ConfigOverrides): void {
  if (o.hardware) for (const k of ['camera', 'tablet', 'leds'] as HardwareKind[]) config.hardware[k].mode = o.hardware;
  if (o.port !== undefined) config.http.port = o.port;
  if (o.dataDir !== undefined) config.dataDir = o.dataDir;
}

/** Reads and validates the config file. A missing file at the default path means "use defaults". */
export async function loadConfig(
  source: ConfigSource,
  overrides: ConfigOverrides = {},
): Promise<{ config: BoothConfig; source: ConfigSource }> {
  if (source.path === null) return { config: parseConfig({}, 'defaults', overrides), source };
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && source.origin === 'default') {
      return { config: parseConfig({}, 'defaults', overrides), source: { ...source, path: null } };
    }
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
      `config ${source.path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      { path: source.path, problems: [{ field: '/', expected: 'valid JSON' }] },
    );
  }
  return { config: parseConfig(raw, `config ${source.path}`, overrides), source };
}
