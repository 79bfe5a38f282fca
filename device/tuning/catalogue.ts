import type { TSchema } from '@sinclair/typebox';
import { BoothConfigSchema } from '../config/schema.js';

/**
 * What a site may tune from Node-RED without a release: dotted paths into the booth config.
 * Only settings their feature reads per call belong here (a value that needs a restart would
 * be a lie on the node's status). A key whose path is not in the config schema of this build
 * (its feature has not added it yet) is simply not offered.
 */
export const TUNABLE_KEYS = [
  // All read by the face engine per call through Tunables.live (device/main.ts).
  // Matching: per comparison.
  'face.match.threshold',
  'face.match.margin',
  // Quality gates: per frame.
  'face.quality.minEyeDistance',
  'face.quality.maxYaw',
  'face.quality.maxPitch',
  'face.quality.maxRoll',
  'face.quality.minSharpness',
  'face.quality.minBrightness',
  'face.quality.maxBrightness',
  'face.quality.maxClipped',
  'face.quality.backlightRatio',
  'face.quality.eyesClosedBelow',
  // Liveness and the challenge: read by the face engine per frame.
  'face.liveness.threshold',
  'face.liveness.minFrames',
  'face.liveness.screenPeakMax',
  'face.challenge.enabled',
  'face.challenge.kinds',
  'face.challenge.windowMs',
  'face.challenge.livenessMin',
  'face.challenge.turnYaw',
  // Not yet: signature.timeoutMs and visit.timeouts reach their features as frozen config (the
  // visit computes its policy once), so a tune would not apply until a restart. They join this
  // list when those features read them per call through Tunables.live (docs/tuning.md).
] as const;

export type TunableKey = (typeof TUNABLE_KEYS)[number];

export interface TunableInfo {
  key: string;
  /** JSON Schema of the value, straight from the config schema. */
  schema: TSchema;
  description: string;
}

/** Walks Type.Object properties along a dotted path; null when the path does not exist. */
export function schemaAt(root: TSchema, key: string): TSchema | null {
  let node: TSchema | undefined = root;
  for (const part of key.split('.')) {
    const props: Record<string, TSchema> | undefined = (node as { properties?: Record<string, TSchema> } | undefined)
      ?.properties;
    if (!props || !Object.hasOwn(props, part)) return null;
    node = props[part];
  }
  return node ?? null;
}

/** The tunables this build offers, in catalogue order. */
export function availableTunables(root: TSchema = BoothConfigSchema): Map<string, TunableInfo> {
  const out = new Map<string, TunableInfo>();
  for (const key of TUNABLE_KEYS) {
    const schema = schemaAt(root, key);
    if (schema) out.set(key, { key, schema, description: String(schema.description ?? '') });
  }
  return out;
}

/** Reads a dotted path from a plain object. */
export function readPath(obj: unknown, key: string): unknown {
  let node: unknown = obj;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Writes a dotted path into a mutable plain object (the parents exist: config sections have defaults). */
export function writePath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const last = parts.pop() as string;
  let node: Record<string, unknown> = obj;
  for (const part of parts) {
    const next = node[part];
    if (next === null || typeof next !== 'object') throw new Error(`config has no object at ${part} of ${key}`);
    node = next as Record<string, unknown>;
  }
  node[last] = value;
}
