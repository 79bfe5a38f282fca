import type { Op } from './op.js';
import { statusOp } from '../status/status.js';
import { collectOp } from '../collect/op.js';

/**
 * Every operator action, served by the admin API and called by `booth-central` commands.
 * A new action is a new module and one line here.
 */
export const OPS: readonly Op[] = [statusOp, collectOp] as unknown as readonly Op[];

export function opNamed(name: string): Op {
  const op = OPS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation "${name}"`);
  return op;
}
