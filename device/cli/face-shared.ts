import { configOrExit, UsageError } from './config-args.js';
import { FaceEngine } from '../face/engine.js';
import type { FaceSettings } from '../config/sections/face.js';

/** Shared by the `booth face` subcommands: options every one takes and the engine from config. */
export const faceCommonOptions = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  threshold: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Starts an engine from the booth config (with --threshold applied), or returns an exit code. */
export async function engineFromConfig(values: {
  config?: string;
  threshold?: string;
  margin?: string;
}): Promise<{ engine: FaceEngine } | { exit: number }> {
  const loaded = await configOrExit(values);
  if ('exit' in loaded) return loaded;
  const settings: FaceSettings = structuredClone(loaded.config.face);
  if (values.threshold !== undefined) settings.match.threshold = parseNumber('--threshold', values.threshold, -1, 1);
  if (values.margin !== undefined) settings.match.margin = parseNumber('--margin', values.margin, 0, 2);
  const engine = new FaceEngine({ settings });
  await engine.start();
  return { engine };
}

function parseNumber(flag: string, text: string, min: number, max: number): number {
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t) || t < min || t > max)
    throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${text}"`);
  return t;
}

export function round(n: number | null | undefined, digits = 4): number | null {
  if (n === null || n === undefined || Number.isNaN(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function write(line: string): void {
  process.stdout.write(`${line}\n`);
}
