import type { Op } from './op.js';
import { statusOp } from '../status/status.js';
import { reportCreditOp } from '../reports/credit.js';
import { reportDailyOp } from '../reports/daily.js';
import { reportProjectOp } from '../reports/project.js';

/**
 * Every operator action, served by the admin API and called by `booth-central` commands.
 * A new action is a new module and one line here.
 */
export const OPS: readonly Op[] = [
  statusOp,
  reportDailyOp,
  reportProjectOp,
  reportCreditOp,
] as unknown as readonly Op[];

export function opNamed(name: string): Op {
  const op = OPS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation "${name}"`);
  return op;
}
