import { tokenIssueOp } from '../inventory/ops.js';
import { invoke } from './invoke.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';

/**
 * `booth-central token issue --booth ID [--ttl 30m]`: a one-time enrollment token, printed once
 * on stdout (only its SHA-256 is kept; it is never logged). Hand it to the technician for
 * `booth provision --token`, or put it on the stick as token.txt.
 */
const options = { ...commonOptions, booth: { type: 'string' }, ttl: { type: 'string' } } as const;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `12h`, `7d` in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) throw new UsageError(`--ttl: expected a number and a unit (s, m, h, d), e.g. 30m; got "${text}"`);
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
}

export const tokenCommand: CentralCommand = {
  name: 'token',
  summary: 'issue a one-time enrollment token for a booth (shown once)',
  usage: 'booth-central token issue --booth ID [--ttl 30m] [--json] [--config FILE] [--data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parseWith(argv, options, true);
    if (positionals.length !== 1 || positionals[0] !== 'issue')
      throw new UsageError(`expected "token issue", got "token ${positionals.join(' ')}"`);
    if (!values.booth) throw new UsageError('token issue: --booth ID is required');
    const ttlMs = values.ttl !== undefined ? parseDuration(values.ttl) : undefined;
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const t = await invoke(
      tokenIssueOp,
      { boothId: values.booth, ...(ttlMs !== undefined ? { ttlMs } : {}) },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    process.stdout.write(
      values.json
        ? `${JSON.stringify(t)}\n`
        : `enrollment token for booth ${t.boothId}, usable once, valid until ${t.expiresAt} (shown only now):\n${t.token}\n`,
    );
    return EXIT.ok;
  },
};
