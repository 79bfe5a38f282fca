import type { Command } from './command.js';
import { EXIT } from './command.js';
import { UsageError } from './config-args.js';
import { decodeCommand } from './tablet-decode.js';
import { renderCommand } from './tablet-render.js';
import { listenCommand } from './tablet-listen.js';

/** `booth tablet <decode|render|listen>`: the signature tablet tools for technicians. */
const SUBCOMMANDS = { decode: decodeCommand, render: renderCommand, listen: listenCommand } as const;

export const tabletCommand: Command = {
  name: 'tablet',
  summary: 'signature tablet tools: decode bytes, render samples, listen to a live tablet',
  usage: [
    'booth tablet decode [--protocol isdv4|protocol4] [--file F]     (stdin when no --file)',
    '       booth tablet render SAMPLES.json|RECORDING OUT.png|OUT.svg [--dpi N] [--height PX] [--width PX] [--protocol P] [--config FILE]',
    '       booth tablet listen [--port PATH] [--baud N] [--protocol P] [--config FILE]',
  ].join('\n'),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || !(sub in SUBCOMMANDS))
      throw new UsageError(`expected a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`);
    const code = await SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS](rest);
    return code ?? EXIT.ok;
  },
};
