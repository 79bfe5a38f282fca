/**
 * Every error the booth raises on purpose. Each carries a stable code the kiosk translates
 * (messageKey), an HTTP status for the one place that maps errors to responses, and details
 * that say what was expected. Internals of 5xx errors are never sent to a client.
 */
export const ERROR_CODES = {
  BOOTH_ERR_CONFIG_INVALID: { status: 500, key: 'error.config.invalid' },
  BOOTH_ERR_CONFIG_UNREADABLE: { status: 500, key: 'error.config.unreadable' },
  BOOTH_ERR_MODEL_INTEGRITY: { status: 503, key: 'error.model.integrity' },
  BOOTH_ERR_TUNABLE_UNKNOWN: { status: 404, key: 'error.tunable.unknown' },
  BOOTH_ERR_TUNABLE_INVALID: { status: 400, key: 'error.tunable.invalid' },
  BOOTH_ERR_TUNING_UNAVAILABLE: { status: 503, key: 'error.tuning.unavailable' },
  BOOTH_ERR_ENROLL_TOKEN_UNKNOWN: { status: 401, key: 'error.enroll.tokenUnknown' },
  BOOTH_ERR_ENROLL_TOKEN_USED: { status: 409, key: 'error.enroll.tokenUsed' },
  BOOTH_ERR_ENROLL_TOKEN_EXPIRED: { status: 410, key: 'error.enroll.tokenExpired' },
  BOOTH_ERR_ENROLL_FAILED: { status: 502, key: 'error.enroll.failed' },
  BOOTH_ERR_CAMERA_TIMEOUT: { status: 503, key: 'error.camera.timeout' },
  BOOTH_ERR_CAMERA_FAILED: { status: 503, key: 'error.camera.failed' },
  BOOTH_ERR_CAMERA_BAD_IMAGE: { status: 503, key: 'error.camera.badImage' },
  BOOTH_ERR_TABLET_UNAVAILABLE: { status: 503, key: 'error.tablet.unavailable' },
  BOOTH_ERR_LEDS_UNAVAILABLE: { status: 503, key: 'error.leds.unavailable' },
  BOOTH_ERR_HARDWARE_NOT_PRESENT: { status: 503, key: 'error.hardware.notPresent' },
  BOOTH_ERR_BAD_INPUT: { status: 400, key: 'error.input.invalid' },
  BOOTH_ERR_NOT_FOUND: { status: 404, key: 'error.notFound' },
  BOOTH_ERR_UNAUTHORIZED: { status: 401, key: 'error.unauthorized' },
  BOOTH_ERR_FORBIDDEN: { status: 403, key: 'error.forbidden' },
  BOOTH_ERR_CONFLICT: { status: 409, key: 'error.conflict' },
  BOOTH_ERR_NOT_READY: { status: 503, key: 'error.notReady' },
  BOOTH_ERR_FACE_BAD_IMAGE: { status: 400, key: 'error.face.badImage' },
  BOOTH_ERR_FACE_NOT_FOUND: { status: 422, key: 'error.face.notFound' },
  BOOTH_ERR_FACE_TEMPLATE_VERSION: { status: 409, key: 'error.face.templateVersion' },
  BOOTH_ERR_FACE_TEMPLATE_INVALID: { status: 400, key: 'error.face.templateInvalid' },
  BOOTH_ERR_STORE_FAULT: { status: 503, key: 'error.store.fault' },
  BOOTH_ERR_STORE_FULL: { status: 507, key: 'error.store.full' },
  BOOTH_ERR_STORE_CLOSED: { status: 503, key: 'error.store.closed' },
  BOOTH_ERR_SYNC_ACK_REJECTED: { status: 409, key: 'error.sync.ackRejected' },
  BOOTH_ERR_SYNC_FAILED: { status: 502, key: 'error.sync.failed' },
  /** A batch that does not verify (changed, reordered, missing records, another key, a revoked booth): nothing stored. */
  BOOTH_ERR_SYNC_BATCH_REFUSED: { status: 409, key: 'error.sync.batchRefused' },
  BOOTH_ERR_SESSION_REJECTED: { status: 422, key: 'error.session.rejected' },
  BOOTH_ERR_SESSION_NONE: { status: 409, key: 'error.session.none' },
  BOOTH_ERR_SESSION_SEALED: { status: 409, key: 'error.session.sealed' },
  BOOTH_ERR_VISIT_STATE: { status: 409, key: 'error.visit.state' },
  BOOTH_ERR_VISIT_REFUSED: { status: 409, key: 'error.visit.refused' },
  BOOTH_ERR_STAFF_CREDENTIAL: { status: 401, key: 'error.staff.credential' },
  BOOTH_ERR_PDF_INVALID: { status: 422, key: 'error.pdf.invalid' },
  BOOTH_ERR_PDF_ENCRYPTED: { status: 422, key: 'error.pdf.encrypted' },
  BOOTH_ERR_PDF_TOO_LARGE: { status: 413, key: 'error.pdf.tooLarge' },
  BOOTH_ERR_PAYLOAD_TOO_LARGE: { status: 413, key: 'error.payload.tooLarge' },
  BOOTH_ERR_PDF_PLACES: { status: 422, key: 'error.pdf.places' },
  BOOTH_ERR_PDF_SEAL: { status: 500, key: 'error.pdf.seal' },
  BOOTH_ERR_INTERNAL: { status: 500, key: 'error.internal' },
  BOOTH_ERR_SIGNATURE_EMPTY: { status: 422, key: 'error.signature.empty' },
  BOOTH_ERR_SIGNATURE_NO_SESSION: { status: 409, key: 'error.signature.noSession' },
  BOOTH_ERR_SIGNATURE_RECORD_INVALID: { status: 400, key: 'error.signature.recordInvalid' },
  BOOTH_ERR_PLAN_INVALID: { status: 422, key: 'error.plan.invalid' },
  BOOTH_ERR_PUBLISH_REFUSED: { status: 409, key: 'error.publish.refused' },
  BOOTH_ERR_RANGE_NOT_SATISFIABLE: { status: 416, key: 'error.range.notSatisfiable' },
  // issue 15: tuning (site limits, Node-RED node allowlist, editor login lockout)
  BOOTH_ERR_TUNABLE_OUT_OF_LIMITS: { status: 422, key: 'error.tunable.outOfLimits' },
  BOOTH_ERR_TUNING_NODE_FORBIDDEN: { status: 400, key: 'error.tuning.nodeForbidden' },
  BOOTH_ERR_TUNING_LOCKED_OUT: { status: 429, key: 'error.tuning.lockedOut' },
  // issue 16: pdf-xref
  /** The file's objects read in file order differ from what its cross-reference chain defines (a shadowed object). */
  BOOTH_ERR_PDF_AMBIGUOUS: { status: 422, key: 'error.pdf.ambiguous' },
  /** Bytes after the last %%EOF: a later revision cut short (an earlier signature would be lost). */
  BOOTH_ERR_PDF_TRUNCATED: { status: 422, key: 'error.pdf.truncated' },
  // issue 15: staff PINs
  /** Too many wrong staff PINs (per staff id or per booth): nothing checked; details.retryAfterS, Retry-After. */
  BOOTH_ERR_PIN_LOCKED: { status: 429, key: 'error.staff.pinLocked' },
  // issue 16: document inputs (signature image, names, seats already stamped)
  BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE: { status: 413, key: 'error.signature.imageTooLarge' },
  BOOTH_ERR_SIGNATURE_BLANK: { status: 422, key: 'error.signature.blank' },
  BOOTH_ERR_NAME_INVALID: { status: 422, key: 'error.name.invalid' },
  BOOTH_ERR_SEAT_STAMPED: { status: 409, key: 'error.seat.stamped' },
  // issue 14: camera-stream
  BOOTH_ERR_CAMERA_UNPLUGGED: { status: 503, key: 'error.camera.unplugged' },
  BOOTH_ERR_CAMERA_ENDED: { status: 503, key: 'error.camera.ended' },
  // issue 16: pdf-sigs
  /** A certified PDF (DocMDP P=1, 2 or 3): stamping changes page content, which no P allows. */
  BOOTH_ERR_PDF_CERTIFIED: { status: 422, key: 'error.pdf.certified' },
  /** Stamping would lose or invalidate a signature that verifies in the input: nothing written. */
  BOOTH_ERR_PDF_SIGNATURE_LOST: { status: 422, key: 'error.pdf.signatureLost' },
  // issue 15: booth-http (kiosk and sync HTTP hardening)
  /** A body field the route does not know: refused, never silently dropped. */
  BOOTH_ERR_UNKNOWN_FIELD: { status: 400, key: 'error.input.unknownField' },
  /** A body sent to a route that takes none. */
  BOOTH_ERR_BODY_NOT_ALLOWED: { status: 400, key: 'error.input.bodyNotAllowed' },
  /** JSON nested deeper than the listener accepts (protocol/http-hardening.ts MAX_JSON_DEPTH). */
  BOOTH_ERR_BODY_TOO_DEEP: { status: 400, key: 'error.input.tooDeep' },
  BOOTH_ERR_MEDIA_TYPE: { status: 415, key: 'error.input.mediaType' },
  /** A Host header that is not one of the service's names (DNS rebinding). */
  BOOTH_ERR_HOST_REFUSED: { status: 421, key: 'error.host.refused' },
  /** A request from another origin (a cross-site page posting to the kiosk API). */
  BOOTH_ERR_ORIGIN_REFUSED: { status: 403, key: 'error.origin.refused' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BoothError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly messageKey: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BoothError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.messageKey = ERROR_CODES[code].key;
    this.details = Object.freeze({ ...details });
  }
}

export function isBoothError(err: unknown, code?: ErrorCode): err is BoothError {
  return err instanceof BoothError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a BoothError, keeping the original as the cause. */
export function toBoothError(err: unknown, fallback: ErrorCode = 'BOOTH_ERR_INTERNAL'): BoothError {
  if (err instanceof BoothError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BoothError(fallback, message, {}, { cause: err });
}
