import { COMMANDS } from './commands.js';
import { EXIT, UsageError } from './command.js';
import { isBoothError, type ErrorCode } from '../../protocol/errors.js';
import { BOOTH_VERSION } from '../version.js';

/**
 * The `booth` entry: help without loading any command (each loads on use, commands.ts), and
 * the CLI's promises: with `--json` every outcome is one JSON object on stdout, failures
 * included (a missing file, a usage error, an unknown command).
 */
function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `booth ${BOOTH_VERSION}: face-verified signing booth`,
    '',
    'usage: booth <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'booth <command> --help shows the options of a command.',
  ].join('\n');
}

/** A failure as the JSON the commands print: a booth code, also for file-system errors. */
export function failureJson(err: unknown): { ok: false; code: ErrorCode; message: string; details?: unknown } {
  if (isBoothError(err)) return { ok: false, code: err.code, message: err.message, details: err.details };
  if (err instanceof UsageError) return { ok: false, code: 'BOOTH_ERR_BAD_INPUT', message: err.message };
  const e = err as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(err);
  if (e?.code === 'ENOENT')
    return {
      ok: false,
      code: 'BOOTH_ERR_NOT_FOUND',
      message: `${e.path ?? 'file'}: no such file`,
      details: { path: e.path },
    };
  if (e?.code === 'EISDIR' || e?.code === 'ENOTDIR')
    return { ok: false, code: 'BOOTH_ERR_BAD_INPUT', message, details: { path: e.path } };
  return { ok: false, code: 'BOOTH_ERR_INTERNAL', message };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    process.stdout.write(`${BOOTH_VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    if (json) process.stdout.write(`${JSON.stringify(failureJson(new UsageError(`unknown command "${name}"`)))}\n`);
    else process.stderr.write(`booth: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (json) process.stdout.write(`${JSON.stringify(failureJson(err))}\n`);
    else if (err instanceof UsageError)
      process.stderr.write(`booth ${name}: ${err.message}\nusage: ${command.usage}\n`);
    else process.stderr.write(`booth ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}
