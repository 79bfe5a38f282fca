import type { ExpertView } from '../core/visit/types.js';
import { maskName } from '../core/visit/view.js';
import type { IdentityPart, SessionPackage } from '../../protocol/session/schema.js';

/** Which expert has signed (or refused) which project: the one-signature-per-project memory. */
export class SignedLedger {
  private readonly done = new Set<string>();
  add(expertId: string, projectId: string): void {
    this.done.add(`${expertId}\u0000${projectId}`);
  }
  has(expertId: string, projectId: string): boolean {
    return this.done.has(`${expertId}\u0000${projectId}`);
  }
  clear(): void {
    this.done.clear();
  }
}

/** The verified expert as the machine and the kiosk see them: masked name, own projects only. */
export function expertView(ref: string, part: IdentityPart, pkg: SessionPackage, ledger: SignedLedger): ExpertView {
  const projects = part.assignments.flatMap((a) => {
    const p = pkg.projects.find((x) => x.id === a.projectId);
    if (!p) return []; // an assignment to a project the package does not carry cannot be signed here
    return [
      {
        id: p.id,
        name: p.name,
        section: p.section,
        seat: a.seat,
        scheduledSignIn: Date.parse(a.scheduledSignIn),
        done: ledger.has(part.expertId, p.id),
      },
    ];
  });
  return { ref, expertId: part.expertId, maskedName: maskName(part.displayName), projects };
}
