import { Type } from '@sinclair/typebox';

/** Settings of the visit feature (device/visit/). Owned by that feature; every field has a default. */
export const VisitConfig = Type.Object({}, { additionalProperties: false, default: {} });
