import type { Choice, Machine, Now, ProjectView, Receipt, StateName, VisitMethod, VisitPolicy } from './types.js';

/**
 * What the kiosk page may know about the visit (pure). Built from the machine on every change
 * and sent to the page as a server-sent event. Only the verified expert's own masked name and
 * projects appear; never an expert id, a full name, an ID-number hash or anyone else's data.
 */
export interface KioskView {
  screen: StateName;
  visitId: string | null;
  /** Milliseconds until the current screen times out, or null. */
  remainingMs: number | null;
  consentVersion: string;
  prompt: string | null;
  paused: boolean;
  attemptsLeft: number;
  rejectedReason: string | null;
  method: VisitMethod | null;
  expert: { maskedName: string; projects: ProjectView[] } | null;
  projectId: string | null;
  choice: Choice | null;
  problems: string[];
  receipt: Receipt | null;
  failedCode: string | null;
}

export function kioskView(m: Machine, now: Now, policy: VisitPolicy): KioskView {
  const st = m.state;
  const v = m.visit;
  return {
    screen: st.name,
    visitId: v?.id ?? null,
    remainingMs: m.deadline === null ? null : Math.max(0, m.deadline - now.mono),
    consentVersion: policy.consentVersion,
    prompt: st.name === 'capture' ? st.prompt : null,
    paused: st.name === 'capture' && st.paused,
    attemptsLeft: Math.max(0, policy.maxAttempts - (v?.attempts ?? 0)),
    rejectedReason: st.name === 'rejected' ? st.reason : null,
    method: v?.method ?? null,
    expert: v?.expert
      ? {
          maskedName: v.expert.maskedName,
          projects: v.expert.projects.map((p) => ({ ...p, done: p.done && v.override?.projectId !== p.id })),
        }
      : null,
    projectId: st.name === 'action' ? st.projectId : (v?.choice?.projectId ?? null),
    choice: st.name === 'signing' || st.name === 'confirm' || st.name === 'sealing' ? st.choice : null,
    problems: st.name === 'signing' ? st.problems : [],
    receipt: st.name === 'receipt' ? st.receipt : null,
    failedCode: st.name === 'failed' ? st.code : null,
  };
}

/** 王建国 -> 王*国, 张伟 -> 张*, A -> *: enough for the expert to recognise, not to identify. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}
