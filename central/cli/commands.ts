import type { CentralCommand } from './command.js';
import { boothCommand } from './booth.js';
import { enrollCommand } from './enroll.js';
import { collectCommand } from './collect.js';
import { initCommand } from './init.js';
import { reportCommand } from './report.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';
import { planCommand } from './plan.js';
import { keysCommand } from './keys.js';
import { publishCommand, revokeCommand, unlockCommand } from './publish.js';

/** Every `booth-central` subcommand. A new one is a new module and one line here. */
export const COMMANDS: CentralCommand[] = [
  initCommand,
  startCommand,
  statusCommand,
  boothCommand,
  tokenCommand,
  enrollCommand,
  planCommand,
  publishCommand,
  unlockCommand,
  revokeCommand,
  keysCommand,
  collectCommand,
  reportCommand,
];
