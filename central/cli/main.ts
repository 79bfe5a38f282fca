import { COMMANDS } from './commands.js';
import { EXIT, UsageError } from './command.js';
import { toBoothError } from '../../protocol/errors.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'booth-central: the trading centre side of the signing booths',
    '',
    'usage: booth-central <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'booth-central <command> --help shows the options of a command. docs/central.md explains operations.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`booth-central: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`booth-central ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return EXIT.usage;
    }
    const e = toBoothError(err);
    const json = rest.includes('--json');
    if (json)
      process.stdout.write(`${JSON.stringify({ ok: false, code: e.code, message: e.message, details: e.details })}\n`);
    process.stderr.write(`booth-central ${name}: ${e.message}\n`);
    return EXIT.failure;
  }
}
