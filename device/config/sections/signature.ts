import { Type } from '@sinclair/typebox';

/** Settings of the signature feature (device/signature/). Owned by that feature; every field has a default. */
export const SignatureConfig = Type.Object({}, { additionalProperties: false, default: {} });
