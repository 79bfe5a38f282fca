import type { CentralCommand } from './command.js';
import { initCommand } from './init.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { planCommand } from './plan.js';
import { keysCommand } from './keys.js';
import { publishCommand, revokeCommand, unlockCommand } from './publish.js';

/** Every `booth-central` subcommand. A new one is a new module and one line here. */
export const COMMANDS: CentralCommand[] = [
  initCommand,
  startCommand,
  statusCommand,
  planCommand,
  publishCommand,
  unlockCommand,
  revokeCommand,
  keysCommand,
];
