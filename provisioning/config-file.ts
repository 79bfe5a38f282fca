import { parseConfig } from '../device/config/load.js';
import type { BoothConfig } from '../device/config/schema.js';
import { BoothError } from '../protocol/errors.js';
import { readIfExists, writeFileDurable } from '../protocol/crypto/key-files.js';

export type RawConfig = Record<string, unknown>;

/** The config file as written by people (defaults not filled in); {} when there is none yet. */
export async function readRawConfig(path: string): Promise<RawConfig> {
  const text = await readIfExists(path);
  if (text === null) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `config ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `config ${path}: expected a JSON object`);
  return raw as RawConfig;
}

/** Deep-merges `patch` into `base` (objects merge, everything else replaces); neither is changed. */
export function mergeConfig(base: RawConfig, patch: RawConfig): RawConfig {
  const out: RawConfig = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    const current = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      current &&
      typeof current === 'object' &&
      !Array.isArray(current)
        ? mergeConfig(current as RawConfig, v as RawConfig)
        : structuredClone(v);
  }
  return out;
}

/**
 * Validates the whole file against the config schema, then writes it atomically. An invalid
 * result throws BOOTH_ERR_CONFIG_INVALID naming each field and leaves the old file in place.
 */
export async function writeConfig(path: string, raw: RawConfig): Promise<BoothConfig> {
  const config = parseConfig(raw, `config ${path}`);
  await writeFileDurable(path, `${JSON.stringify(raw, null, 2)}\n`, 0o644);
  return config;
}
