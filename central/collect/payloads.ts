import {
  AUDIT_EVENT_SCHEMAS,
  AuditPayloadSchema,
  NoShowPayloadSchema,
  SignPayloadSchema,
  VisitPayloadSchema,
  type NoShowPayload,
  type SignPayload,
  type VisitPayload,
} from '../../protocol/records/payloads.js';
import type { CommittedRecord } from '../../protocol/records/types.js';
import { compileValidator, formatProblems, type Validator } from '../../protocol/validate.js';
import type { TSchema } from '@sinclair/typebox';

/**
 * What a record's payload is, checked against the schemas both sides share
 * (protocol/records/payloads.ts). A record that is authentic (its hash and signature verified)
 * but whose payload is not what a booth must produce is still stored as evidence, with status
 * `rejected` and the reason: the booth dead-letters it and the operators see a problem.
 */
export type Classified =
  | { type: 'sign'; payload: SignPayload }
  | { type: 'no-show'; payload: NoShowPayload }
  | { type: 'visit'; payload: VisitPayload }
  | { type: 'audit' | 'session'; payload: Record<string, unknown> }
  | { type: 'invalid'; reason: string };

const validators = {
  sign: compileValidator(SignPayloadSchema),
  noShow: compileValidator(NoShowPayloadSchema),
  visit: compileValidator(VisitPayloadSchema),
  audit: compileValidator(AuditPayloadSchema),
};
const auditEvents = new Map<string, Validator<TSchema>>(
  Object.entries(AUDIT_EVENT_SCHEMAS).map(([event, schema]) => [event, compileValidator(schema as TSchema)]),
);

function check<T extends TSchema>(v: Validator<T>, payload: unknown, what: string): string | null {
  const r = v.check(payload);
  return r.ok ? null : `${what} payload: ${formatProblems(r.problems)}`.slice(0, 1000);
}

/** Classifies one record of booth `boothId`; `invalid` carries the reason it is rejected. */
export function classify(r: CommittedRecord, boothId: string): Classified {
  const p = r.payload;
  const invalid = (reason: string): Classified => ({ type: 'invalid', reason });
  // A record names its booth; one naming another is not this booth's evidence about itself.
  if ('boothId' in p && p.boothId !== boothId) return invalid(`payload names booth ${String(p.boothId)}`);
  switch (r.kind) {
    case 'sign': {
      const why = check(validators.sign, p, 'sign');
      return why ? invalid(why) : { type: 'sign', payload: p as SignPayload };
    }
    case 'visit': {
      if (p.type === 'no-show') {
        const why = check(validators.noShow, p, 'no-show');
        return why ? invalid(why) : { type: 'no-show', payload: p as NoShowPayload };
      }
      if (p.type === 'visit') {
        const why = check(validators.visit, p, 'visit');
        return why ? invalid(why) : { type: 'visit', payload: p as VisitPayload };
      }
      return invalid(`visit record: payload type ${JSON.stringify(p.type ?? null)} is neither "visit" nor "no-show"`);
    }
    case 'audit': {
      const event = typeof p.event === 'string' ? auditEvents.get(p.event) : undefined;
      const why = check(validators.audit, p, 'audit') ?? (event ? check(event, p, String(p.event)) : null);
      return why ? invalid(why) : { type: 'audit', payload: p };
    }
    case 'session':
      // Session records carry no schema of their own yet: stored as they are.
      return { type: 'session', payload: p };
  }
  return invalid(`unknown record kind ${String(r.kind)}`);
}

/** Blob ids a sign payload names (sealed revisions); a refusal names none. */
export function blobsNamed(p: SignPayload): string[] {
  return p.documents.flatMap((d) => (d.blob ? [d.blob] : []));
}

const DATE_OF_PACKAGE = /^(\d{4}-\d{2}-\d{2})\./;

/** The plan date of a package: `<date>.<boothId>` by convention (protocol decision 4), else null. */
export function dateOfPackageId(packageId: string): string | null {
  const m = DATE_OF_PACKAGE.exec(packageId);
  if (!m?.[1]) return null;
  const d = new Date(`${m[1]}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[1] ? null : m[1];
}
