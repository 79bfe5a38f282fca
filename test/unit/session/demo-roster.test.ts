import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEMO_EXPERTS } from '../../../device/session/demo.js';
import { idNumberProblem } from '../../../central/plan/id-number.js';

/**
 * The booth's demo roster (npm start in simulation) and the central server's example plan are
 * the same three experts: their ID numbers, which the staff-witnessed path checks, are valid
 * (GB 11643 check digit, which plan import requires) and the same on both sides. The demo's were
 * not: a technician trying the witnessed path with them against a central package got nowhere.
 */
describe("the booth demo's experts", () => {
  it('have valid ID numbers, equal to the central example plan', async () => {
    const csv = await readFile(new URL('../../../central/examples/day-plan/experts.csv', import.meta.url), 'utf8');
    const plan = new Map(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','))
        .map(([id, name, idNumber]) => [id, { name, idNumber }]),
    );
    for (const e of Object.values(DEMO_EXPERTS)) {
      expect(idNumberProblem(e.idNumber), e.expertId).toBeNull();
      expect(plan.get(e.expertId)).toEqual({ name: e.displayName, idNumber: e.idNumber });
    }
  });
});
