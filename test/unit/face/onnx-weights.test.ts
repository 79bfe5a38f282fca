import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flushDenormalWeights } from '../../../device/face/onnx-weights.js';
import { hostPaths } from '../../../device/paths.js';

/** Minimal protobuf writer for the test messages. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const bytesField = (field: number, body: number[]) => [...varint(field * 8 + 2), ...varint(body.length), ...body];
const varintField = (field: number, value: number) => [...varint(field * 8), ...varint(value)];
const f32 = (...bits: number[]) => bits.flatMap((u) => [u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24]);
/** TensorProto: data_type (2), name (8), raw_data (9). */
const tensor = (dataType: number, raw: number[]) => [
  ...varintField(2, dataType),
  ...bytesField(8, [...Buffer.from('w')]),
  ...bytesField(9, raw),
];
/** ModelProto { ir_version (1), graph (7) { initializer (5) ... } }. */
const model = (...initializers: number[][]) =>
  Uint8Array.from([
    ...varintField(1, 8),
    ...bytesField(
      7,
      initializers.flatMap((t) => bytesField(5, t)),
    ),
  ]);

const DENORMAL = 0x00000001;
const NEG_DENORMAL = 0x80400000;
const ONE = 0x3f800000;

describe('flushing denormal weights', () => {
  it('zeroes denormal floats of FLOAT initializers, keeping the sign, and nothing else', () => {
    const src = model(tensor(1, f32(ONE, DENORMAL, NEG_DENORMAL, 0)), tensor(7, f32(DENORMAL, DENORMAL)));
    const before = src.slice();
    const r = flushDenormalWeights(src);
    expect(r).toMatchObject({ flushed: 2, floats: 4 });
    expect(src).toEqual(before); // the hashed bytes are not touched
    const want = model(tensor(1, f32(ONE, 0, 0x80000000, 0)), tensor(7, f32(DENORMAL, DENORMAL)));
    expect(r.bytes).toEqual(want); // INT64 (7) raw data with denormal-looking bits stays
  });

  it('refuses a malformed message with a RangeError saying where', () => {
    const truncated = model(tensor(1, f32(ONE, DENORMAL))).slice(0, -3);
    expect(() => flushDenormalWeights(truncated)).toThrow(RangeError);
    expect(() => flushDenormalWeights(Uint8Array.from([0x0b]))).toThrow(/wire type 3/);
  });

  it('finds the denormal weights of the shipped models (feature 8,938; landmark 26,567; detect none)', async () => {
    const dir = hostPaths().modelsDir;
    const count = async (f: string) => flushDenormalWeights(await readFile(join(dir, f))).flushed;
    expect(await count('fr_feature.onnx')).toBe(8938);
    expect(await count('fr_landmark.onnx')).toBe(26567);
    expect(await count('fr_detect.onnx')).toBe(0);
  });
});
