/**
 * The documents feature's API: what the visit workflow, the CLI and the sync side use.
 * Used by: device/cli/stamp.ts, device/cli/verify.ts, the visit workflow.
 */
export {
  stampAndSeal,
  sealReason,
  type StampRequest,
  type StampResult,
  type Refusal,
  type Action,
} from './stamp-and-seal.js';
export {
  appendCompletionPage,
  type CompletionEntry,
  type CompletionRequest,
  type CompletionResult,
} from './completion.js';
export { verifyPdf, type VerifyReport, type SignatureReport } from '../../protocol/pdf/verify.js';
export { parsePlaces, checkPlacesFit, type Place, type PlaceKind, type PlacesFile } from './places.js';
export { placesFromForm, FIELD_NAME_PATTERN } from './form-places.js';
export { writePdfDurable, checkOutputPath } from './output.js';
export { documentsOptions, type DocumentsOptions } from './options.js';
export type { SignerPem } from './cms.js';
