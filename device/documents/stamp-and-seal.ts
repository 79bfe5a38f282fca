import { createHash, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { PDFDocument } from '@cantoo/pdf-lib';
import { BoothError } from '../../protocol/errors.js';
import { compileValidator } from '../../protocol/validate.js';
import { checkPlacesFit, placesOfSeat, SEAT_PATTERN, type Place } from './places.js';
import { hideSeatWidgets, placesFromForm } from './form-places.js';
import { loadForUpdate, pageBoxes } from './pdf-input.js';
import { drawStamps, hexColor } from './stamp.js';
import { fieldNameFor, sealIncrement } from './seal.js';
import { documentsOptions, formatStampTime, type DocumentsOptions } from './options.js';
import { attachBinding } from './binding.js';
import { checkRenderable } from './font.js';
import { checkSignatureImage } from './signature-image.js';
import { expertName } from './names.js';
import { checkSeatNotStamped, type NewRevision } from './stamped-seats.js';
import { checkSignaturesKept, signedFields } from './signatures-kept.js';
import type { SignerPem } from './cms.js';

/**
 * The documents API the visit workflow calls: one expert's action on one document. Sign and
 * dissent stamp every place of the expert's seat and seal the result as one new revision;
 * refuse changes nothing and returns the refusal for the record. Every check (PDF, places,
 * request) runs before any byte is produced, and the result is checked to keep every earlier
 * signature (signatures-kept.ts) before it is returned; the caller writes it (see output.ts).
 */
export const Action = Type.Union([Type.Literal('sign'), Type.Literal('dissent'), Type.Literal('refuse')]);
export type Action = Static<typeof Action>;

const RequestFields = Type.Object({
  seat: Type.String({ pattern: SEAT_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 64 }),
  action: Action,
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
  recordId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  project: Type.String({ minLength: 1, maxLength: 200 }),
  newRevisionStaffId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' })),
});
const requestValidator = compileValidator(RequestFields);

export interface StampRequest extends Omit<Static<typeof RequestFields>, 'newRevisionStaffId'> {
  pdf: Uint8Array;
  /** Explicit places (PLACES.json); when absent, form fields named by convention are used. */
  places?: readonly Place[];
  signaturePng: Uint8Array;
  /**
   * ISO/IEC 19794-7 bytes of the handwritten signature: their hash is bound into the sealed
   * revision, the bytes themselves only sealed to `escrowKey` (see binding.ts).
   */
  dynamics?: Uint8Array;
  /** The centre's escrow public key; absent or null: the PDF carries the dynamics' hash only. */
  escrowKey?: KeyObject | null;
  signer: SignerPem;
  now: Date;
  options?: Partial<DocumentsOptions>;
  /**
   * A recorded staff override: stamp even though the document already carries this seat's
   * stamp (a new revision; the binding names the override and the records it supersedes).
   * Without it a seat already stamped is refused (BOOTH_ERR_SEAT_STAMPED).
   */
  newRevision?: NewRevision;
}

export interface Refusal {
  seat: string;
  recordId: string;
  /** Reason code for the record; a refusal without reason is allowed and recorded as such. */
  reasonCode: string;
}

export interface StampResult {
  pdf: Buffer;
  action: Action;
  sha256Before: string;
  sha256After: string;
  placesStamped: number;
  /** PAdES level reached: B-T when a timestamp authority answered. Absent for a refusal. */
  level?: 'B-B' | 'B-T';
  /** Set when a configured timestamp authority failed and the seal fell back to B-B. */
  timestampError?: string;
  refusal?: Refusal;
}

/** Timestamp settings for the seal, when a timestamp authority is configured. */
export function timestampFrom(opts: DocumentsOptions) {
  return opts.tsaUrl ? { url: opts.tsaUrl, timeoutMs: opts.tsaTimeoutMs, required: opts.tsaRequired } : undefined;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function sealReason(action: Action, name: string, project: string): string {
  return `评标专家签名${action === 'dissent' ? '(持不同意见)' : ''}: ${name}, ${project}`;
}

/** Places for the seat, from the request or the form, validated against the pages. */
export function resolvePlaces(doc: PDFDocument, explicit: readonly Place[] | undefined, seat: string): Place[] {
  const all = explicit ?? placesFromForm(doc);
  checkPlacesFit(all, pageBoxes(doc));
  const mine = placesOfSeat(all, seat);
  if (mine.length === 0)
    throw new BoothError(
      'BOOTH_ERR_PDF_PLACES',
      `places: expected at least one place for seat ${seat} (${explicit ? 'places file' : 'form fields sig.' + seat})`,
      { seat },
    );
  return mine;
}

export async function stampAndSeal(request: StampRequest): Promise<StampResult> {
  // The name printed and sealed is the trimmed one; blank or control characters are refused.
  const req = { ...request, name: expertName(request.name) };
  requestValidator.parse(
    {
      seat: req.seat,
      name: req.name,
      action: req.action,
      reason: req.reason,
      recordId: req.recordId,
      project: req.project,
      newRevisionStaffId: req.newRevision?.staffId,
    },
    'stamp request',
  );
  const opts = documentsOptions(req.options);
  // Before the PDF is parsed: a bad image costs a header read, not a document load.
  if (req.action !== 'refuse') await checkSignatureImage(req.signaturePng);
  const before = sha256(req.pdf);
  const doc = await loadForUpdate(req.pdf, opts.maxPdfBytes);
  const signedBefore = signedFields(doc);
  const places = resolvePlaces(doc, req.places, req.seat);
  if (req.action === 'refuse') {
    const reasonCode = req.reason?.trim() || 'unspecified';
    return {
      pdf: Buffer.from(req.pdf),
      action: 'refuse',
      sha256Before: before,
      sha256After: before,
      placesStamped: 0,
      refusal: { seat: req.seat, recordId: req.recordId, reasonCode },
    };
  }
  const supersedes = checkSeatNotStamped(doc, req.seat, req.newRevision);
  const dissent = req.action === 'dissent';
  if (dissent && !req.reason?.trim())
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'stamp request: a dissent expects a reason (handwritten or chosen)');
  await checkRenderable(req.name, 'name');
  const placesStamped = await drawStamps(doc, places, {
    signaturePng: req.signaturePng,
    name: req.name,
    dateText: formatStampTime(req.now, opts.timeZone),
    verificationCode: req.recordId,
    dissent,
    color: hexColor(opts.stampColor),
  });
  if (!req.places) hideSeatWidgets(doc, req.seat);
  await attachBinding(doc, {
    recordId: req.recordId,
    seat: req.seat,
    action: req.action,
    sha256Before: before,
    dynamics: req.dynamics,
    escrowKey: req.escrowKey ?? null,
    reason: dissent ? req.reason : undefined,
    newRevision: req.newRevision ? { ...req.newRevision, supersedes } : undefined,
    now: req.now,
  });
  const sealed = await sealIncrement(doc, req.pdf, {
    signer: req.signer,
    reason: sealReason(req.action, req.name, req.project),
    name: req.name,
    location: opts.location,
    now: req.now,
    fieldName: fieldNameFor('Seal', req.seat, req.recordId),
    pageIndex: (places[0]?.page ?? 1) - 1,
    reserveBytes: opts.signatureReserveBytes,
    timestamp: timestampFrom(opts),
  });
  checkSignaturesKept(req.pdf, sealed.pdf, { before: signedBefore, after: signedFields(doc) });
  return {
    pdf: sealed.pdf,
    action: req.action,
    sha256Before: before,
    sha256After: sha256(sealed.pdf),
    placesStamped,
    level: sealed.level,
    ...(sealed.timestampError ? { timestampError: sealed.timestampError } : {}),
  };
}
