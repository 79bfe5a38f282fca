import type { Op } from './op.js';
import { statusOp } from '../status/status.js';
import { INVENTORY_OPS } from '../inventory/ops.js';
import { planImportOp } from '../plan/import.js';
import { publishOp } from '../publish/publish.js';
import { revokePackageOp, unlockOp } from '../publish/unlock.js';
import { keysRotateOp } from '../publish/key-rotation.js';
import { collectOp } from '../collect/op.js';
import { reportCreditOp } from '../reports/credit.js';
import { reportDailyOp } from '../reports/daily.js';
import { reportProjectOp } from '../reports/project.js';

/**
 * Every operator action, served by the admin API and called by `booth-central` commands.
 * A new action is a new module and one line here.
 */
export const OPS: readonly Op[] = [
  statusOp,
  ...INVENTORY_OPS,
  planImportOp,
  publishOp,
  unlockOp,
  revokePackageOp,
  keysRotateOp,
  collectOp,
  reportDailyOp,
  reportProjectOp,
  reportCreditOp,
] as unknown as readonly Op[];

export function opNamed(name: string): Op {
  const op = OPS.find((o) => o.name === name);
  if (!op) throw new Error(`no operation "${name}"`);
  return op;
}
