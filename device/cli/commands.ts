import type { Command } from './command.js';
import { startCommand } from './start.js';
import { doctorCommand } from './doctor.js';
import { provisionCommand } from './provision.js';
import { stampCommand } from './stamp.js';
import { verifyCommand } from './verify.js';
import { tabletCommand } from './tablet.js';
import { faceCommand } from './face.js';
import { storeCommand } from '../store/cli-store.js';
import { demoCommand } from './demo.js';

/** Every `booth` subcommand. A new one is a new module and one line here. */
export const COMMANDS: Command[] = [
  startCommand,
  doctorCommand,
  provisionCommand,
  stampCommand,
  verifyCommand,
  tabletCommand,
  faceCommand,
  storeCommand,
  demoCommand,
];
