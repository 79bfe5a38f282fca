/**
 * Flushes denormal float32 weights of an ONNX model to zero, in a copy of its bytes.
 *
 * The feature and landmark models hold thousands of denormal weights (8,938 and 26,567).
 * x86 CPUs compute with denormals 10-100x slower unless the thread has DAZ/FTZ set, and ONNX
 * Runtime's `set_denormal_as_zero` sets that only on some threads: the same feature model ran
 * in 9-13 ms or in 50-90 ms depending on which thread ran it (docs/face.md). Zeroing these
 * weights is exactly what DAZ does to them, so the results do not change, and the speed no
 * longer depends on a per-thread flag.
 *
 * Only what is needed is parsed: ModelProto.graph (7) -> GraphProto.initializer (5) ->
 * TensorProto with data_type (2) = FLOAT (1) and raw_data (9). Everything else is copied as is.
 */

export interface FlushResult {
  bytes: Uint8Array;
  /** Float weights that were denormal and are now zero. */
  flushed: number;
  /** Float weights seen in raw_data initializers. */
  floats: number;
}

const FLOAT = 1;

export function flushDenormalWeights(model: Uint8Array): FlushResult {
  const bytes = new Uint8Array(model); // a copy: the caller's bytes are what was hashed
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let flushed = 0;
  let floats = 0;
  forEachField(bytes, 0, bytes.length, (field, start, end) => {
    if (field !== 7) return; // ModelProto.graph
    forEachField(bytes, start, end, (gField, gStart, gEnd) => {
      if (gField !== 5) return; // GraphProto.initializer
      const tensor = { dataType: 0, from: -1, to: -1 };
      forEachField(
        bytes,
        gStart,
        gEnd,
        (tField, tStart, tEnd) => {
          if (tField === 9) Object.assign(tensor, { from: tStart, to: tEnd });
        },
        (tField, value) => {
          if (tField === 2) tensor.dataType = value;
        },
      );
      if (tensor.dataType !== FLOAT || tensor.from < 0) return;
      const { from, to } = tensor;
      for (let p = from; p + 4 <= to; p += 4) {
        const u = view.getUint32(p, true);
        floats++;
        if ((u & 0x7f800000) === 0 && (u & 0x007fffff) !== 0) {
          view.setUint32(p, u & 0x80000000, true); // keep the sign: -0 stays -0
          flushed++;
        }
      }
    });
  });
  return { bytes, flushed, floats };
}

/**
 * Calls `onBytes` for each length-delimited field and `onVarint` for each varint field of the
 * message in [start, end). Throws RangeError on a malformed message (the hash was checked
 * before, so this means a manifest listing a file that is not an ONNX model).
 */
function forEachField(
  b: Uint8Array,
  start: number,
  end: number,
  onBytes: (field: number, start: number, end: number) => void,
  onVarint: (field: number, value: number) => void = () => undefined,
): void {
  let p = start;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (p >= end) throw new RangeError(`protobuf varint runs past its message at byte ${p}`);
      const x = b[p++] as number;
      value += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw new RangeError(`protobuf varint longer than 10 bytes at byte ${p}`);
    }
  };
  while (p < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        onVarint(field, varint());
        break;
      case 1:
        p += 8;
        break;
      case 5:
        p += 4;
        break;
      case 2: {
        const length = varint();
        if (p + length > end) throw new RangeError(`protobuf field ${field} runs past its message at byte ${p}`);
        onBytes(field, p, p + length);
        p += length;
        break;
      }
      default:
        throw new RangeError(`protobuf wire type ${key & 7} (field ${field}) not expected at byte ${p}`);
    }
  }
  if (p !== end) throw new RangeError(`protobuf message ends at byte ${p}, expected ${end}`);
}
