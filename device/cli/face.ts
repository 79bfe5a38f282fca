import type { Command } from './command.js';
import { UsageError } from './config-args.js';
import { faceCheck } from './face-check.js';
import { faceEval } from './face-eval.js';
import { faceIdentify } from './face-identify.js';
import { faceWatch } from './face-watch.js';

/** `booth face <eval|identify|check|watch>`: the face engine's tools for technicians and evaluation. */
const SUBCOMMANDS = { eval: faceEval, identify: faceIdentify, check: faceCheck, watch: faceWatch } as const;

export const faceCommand: Command = {
  name: 'face',
  summary: 'face engine tools: evaluate on pairs, identify against a gallery, check one image',
  usage: [
    'booth face eval --pairs FILE.csv --images DIR [--variant original|frame640|idcard] [--threshold T] [--json]',
    '       booth face identify --gallery DIR --probe FILE|DIR [--threshold T] [--margin M] [--json]',
    '       booth face check IMAGE [--json]',
    '       booth face watch --source FILE|DEVICE --gallery DIR [--challenge off|blink|turn|random] [--json]',
    '       (all take --config FILE)',
  ].join('\n'),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || !(sub in SUBCOMMANDS))
      throw new UsageError(`expected a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`);
    return SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS](rest);
  },
};
