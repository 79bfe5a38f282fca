import { keysRotateOp } from '../publish/key-rotation.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, UsageError, type CentralCommand } from './command.js';
import { invoke } from './invoke.js';

/** `booth-central keys rotate --purpose session|escrow`: a new central key, announced to every booth. */
export const keysCommand: CentralCommand = {
  name: 'keys',
  summary: 'keys rotate --purpose session|escrow: a new central key (the old one is kept in keys/retired)',
  usage: 'booth-central keys rotate --purpose session|escrow [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values, positionals } = parseWith(argv, { ...commonOptions, purpose: { type: 'string' } }, true);
    if (positionals.join(' ') !== 'rotate') throw new UsageError('expected: keys rotate --purpose session|escrow');
    if (values.purpose !== 'session' && values.purpose !== 'escrow')
      throw new UsageError('--purpose must be session or escrow');
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const out = await invoke(
      keysRotateOp,
      { purpose: values.purpose },
      { config: loaded.config, log: commandLogger(loaded.config, 'warn') },
    );
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else
      process.stdout.write(
        `${out.purpose} key rotated: ${out.previousKeyId} -> ${out.keyId} (announced to booths, signed by ${out.signedBy})\n`,
      );
    return EXIT.ok;
  },
};
