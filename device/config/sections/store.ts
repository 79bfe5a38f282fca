import { Type } from '@sinclair/typebox';

/** Settings of the store feature (device/store/). Owned by that feature; every field has a default. */
export const StoreConfig = Type.Object({}, { additionalProperties: false, default: {} });
