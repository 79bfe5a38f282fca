import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sharp from 'sharp';
import { JpegSplitter, jpegSize } from '../../../device/hardware/camera/jpeg-splitter.js';

/** A crafted JPEG byte structure: SOI, segments whose payloads hold any bytes, SOS, entropy data, EOI. */
const segment = (code: number, payload: Uint8Array) =>
  Buffer.concat([Buffer.from([0xff, code, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);

/** Entropy-coded data: any bytes, with every FF followed by 00 (stuffing) or a restart marker, plus fill bytes. */
const entropy = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xfe }).map((b) => [b]),
      fc.constant([0xff, 0x00]),
      fc.integer({ min: 0xd0, max: 0xd7 }).map((r) => [0xff, r]),
    ),
    { maxLength: 300 },
  )
  .map((parts) => Buffer.from(parts.flat()));

const anyBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/** A frame, with segments that contain FF D8 / FF D9 in their payloads (an EXIF thumbnail). */
const frame = fc
  .record({
    app: fc.oneof(anyBytes(200), fc.constant(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0xff, 0xda]))),
    sof: anyBytes(20),
    sosHeader: anyBytes(12),
    data: entropy,
    fillBeforeEoi: fc.boolean(),
  })
  .map(({ app, sof, sosHeader, data, fillBeforeEoi }) =>
    Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      segment(0xe1, app),
      segment(0xc0, Buffer.concat([Buffer.from([8, 0, 16, 0, 16]), sof])),
      segment(0xda, sosHeader),
      data,
      Buffer.from(fillBeforeEoi ? [0xff, 0xff, 0xd9] : [0xff, 0xd9]),
    ]),
  );

/** Bytes between frames that hold no FF (what a pipe may carry between images: nothing or padding). */
const gap = fc.uint8Array({ maxLength: 20, max: 0xfe }).map((a) => Buffer.from(a));

function split(stream: Buffer, cuts: number[], max = 1 << 20): { frames: Buffer[]; splitter: JpegSplitter } {
  const frames: Buffer[] = [];
  const splitter = new JpegSplitter((f) => frames.push(f), max);
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, stream.length]) {
    splitter.push(stream.subarray(from, p));
    from = p;
  }
  return { frames, splitter };
}

describe('JPEG splitter', () => {
  it('gives back exactly the frames of a stream, however the pipe cuts it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(gap, frame), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (items, cuts) => {
          const stream = Buffer.concat(items.flatMap(([g, f]) => [g, f]));
          const { frames } = split(stream, cuts);
          expect(frames.map((f) => f.toString('hex'))).toEqual(items.map(([, f]) => f.toString('hex')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops a frame over the size limit and keeps the ones around it', () => {
    fc.assert(
      fc.property(frame, frame, frame, fc.array(fc.nat(), { maxLength: 10 }), (a, big, c, cuts) => {
        const max = Math.max(a.length, c.length);
        const huge = Buffer.concat([big.subarray(0, 2), segment(0xe2, Buffer.alloc(max, 0xff)), big.subarray(2)]);
        const { frames, splitter } = split(Buffer.concat([a, huge, c]), cuts, max);
        expect(frames.map((f) => f.toString('hex'))).toEqual([a.toString('hex'), c.toString('hex')]);
        expect(splitter.stats.oversized).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('never emits anything but SOI..EOI frames within the limit, whatever bytes arrive', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(frame, anyBytes(100)), { maxLength: 8 }), fc.array(fc.nat()), (parts, cuts) => {
        const { frames } = split(Buffer.concat(parts), cuts, 400);
        for (const f of frames) {
          expect(f.length).toBeLessThanOrEqual(400);
          expect([f[0], f[1], f.at(-2), f.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('resynchronises on the next SOI when a frame is cut off in its scan data', () => {
    fc.assert(
      fc.property(frame, frame, fc.array(fc.nat(), { maxLength: 10 }), (a, b, cuts) => {
        const cut = a.subarray(0, a.length - 2); // no EOI: the writer died mid-frame
        const { frames, splitter } = split(Buffer.concat([cut, b]), cuts);
        expect(frames.map((f) => f.toString('hex'))).toEqual([b.toString('hex')]);
        expect(splitter.stats.corrupt).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('splits real encoder output and reads the frame size', async () => {
    const one = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#369' } })
      .jpeg({ quality: 80, optimiseCoding: false })
      .withMetadata()
      .toBuffer();
    const frames: Buffer[] = [];
    const splitter = new JpegSplitter((f) => frames.push(f), 1 << 20);
    for (const b of Buffer.concat([one, one, one])) splitter.push(Buffer.from([b]));
    expect(frames).toHaveLength(3);
    expect(frames[2]?.equals(one)).toBe(true);
    expect(jpegSize(one)).toEqual({ width: 64, height: 48 });
  });
});
