import type { CentralCommand } from './command.js';
import { initCommand } from './init.js';
import { reportCommand } from './report.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';

/** Every `booth-central` subcommand. A new one is a new module and one line here. */
export const COMMANDS: CentralCommand[] = [initCommand, startCommand, statusCommand, reportCommand];
