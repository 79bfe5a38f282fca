import { Type } from '@sinclair/typebox';

/** Settings of the face feature (device/face/). Owned by that feature; every field has a default. */
export const FaceConfig = Type.Object({}, { additionalProperties: false, default: {} });
