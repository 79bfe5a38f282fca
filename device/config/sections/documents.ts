import { Type } from '@sinclair/typebox';

/** Settings of the documents feature (device/documents/). Owned by that feature; every field has a default. */
export const DocumentsConfig = Type.Object({}, { additionalProperties: false, default: {} });
