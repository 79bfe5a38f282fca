import { Type } from '@sinclair/typebox';

/** Settings of the tuning feature (device/tuning/). Owned by that feature; every field has a default. */
export const TuningConfig = Type.Object({}, { additionalProperties: false, default: {} });
