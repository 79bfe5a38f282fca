import { COMMANDS } from './commands.js';
import { EXIT } from './command.js';
import { UsageError } from './config-args.js';
import { BOOTH_VERSION } from '../version.js';

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

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    process.stdout.write(`${BOOTH_VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`booth: unknown command "${name}"\n\n${help()}\n`);
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
      process.stderr.write(`booth ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`booth ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}
