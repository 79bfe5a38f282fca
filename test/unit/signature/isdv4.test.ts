import { describe, expect, it } from 'vitest';
import { Isdv4Parser } from '../../../device/signature/protocol/isdv4.js';
import { encodeOut, encodePen, encodeQuery } from '../../../device/signature/protocol/isdv4-encode.js';
import type { PenEvent, TabletEvent } from '../../../device/signature/protocol/types.js';

const parse = (...chunks: (number[] | Buffer)[]): TabletEvent[] => {
  const p = new Isdv4Parser();
  return chunks.flatMap((c) => p.push(Uint8Array.from(c)));
};

// Vectors written byte by byte from the layout (not through the encoder), so encoder and
// parser cannot share a mistake: x = b1<<9|b2<<2|(b6>>5)&3, y = b3<<9|b4<<2|(b6>>3)&3,
// pressure = (b6&7)<<7|b5.
const HOVER = [0xa0, 0x05, 0x6e, 0x0d, 0x24, 0x00, 0x00, 0x00, 0x00]; // x 3000, y 6800
const TIP_DOWN = [0xa1, 0x05, 0x6e, 0x0d, 0x24, 0x35, 0x6a, 0x10, 0x20]; // b6 0x6a: x+3, y+1, p 2<<7|0x35
const MAXED = [0xa1, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f];
const OUT = [0x80, 0, 0, 0, 0, 0, 0, 0, 0];
const QUERY = [0xc0, 0x33, 0x16, 0x1f, 0x71, 0x7f, 0x4f, 0x00, 0x00, 0x00, 0x24]; // 26202 x 16325, 1023, v36

const pen = (over: Partial<PenEvent>): PenEvent => ({
  type: 'pen',
  x: 3000,
  y: 6800,
  pressure: 0,
  tip: false,
  proximity: true,
  eraser: false,
  side: false,
  button2: false,
  tiltX: 0,
  tiltY: 0,
  ...over,
});

describe('ISDV4 parser: test vectors', () => {
  it('decodes a hover packet', () => {
    expect(parse(HOVER)).toEqual([pen({})]);
  });

  it('decodes tip down with the low coordinate bits, pressure and tilt', () => {
    expect(parse(TIP_DOWN)).toEqual([
      pen({ x: 3003, y: 6801, pressure: (2 << 7) | 0x35, tip: true, tiltX: 16, tiltY: 32 }),
    ]);
  });

  it('decodes maximum values: 16-bit coordinates, 10-bit pressure, 7-bit tilt', () => {
    expect(parse(MAXED)).toEqual([pen({ x: 65_535, y: 65_535, pressure: 1023, tip: true, tiltX: 127, tiltY: 127 })]);
  });

  it('decodes proximity-out', () => {
    expect(parse(OUT)).toEqual([{ type: 'out' }]);
  });

  it('decodes the query reply', () => {
    expect(parse(QUERY)).toEqual([{ type: 'query', maxX: 26_202, maxY: 16_325, maxPressure: 1023, version: 36 }]);
  });

  it('side switch is reported as side', () => {
    expect(parse([0xa3, ...HOVER.slice(1)])).toEqual([pen({ side: true, tip: true })]);
  });

  it('second switch on entering proximity makes the whole session the eraser', () => {
    const entering = [0xa4, ...HOVER.slice(1)];
    const thenReleased = [0xa1, ...HOVER.slice(1)];
    const events = parse(entering, thenReleased, OUT, HOVER);
    expect(events).toEqual([pen({ eraser: true }), pen({ eraser: true, tip: true }), { type: 'out' }, pen({})]);
  });

  it('second switch toggled while in proximity as a pen is a button, not the eraser', () => {
    const events = parse(HOVER, [0xa4, ...HOVER.slice(1)], HOVER);
    expect(events).toEqual([pen({}), pen({ button2: true }), pen({})]);
  });

  it('decodes the same events whatever the chunking', () => {
    const stream = [...QUERY, ...HOVER, ...TIP_DOWN, ...OUT];
    const whole = parse(stream);
    const byteByByte = parse(...stream.map((b) => [b]));
    expect(byteByByte).toEqual(whole);
    expect(whole.map((e) => e.type)).toEqual(['query', 'pen', 'pen', 'out']);
  });

  it('the encoder produces exactly these bytes', () => {
    expect([...encodePen({ x: 3003, y: 6801, pressure: 309, tip: true, tiltX: 16, tiltY: 32 })]).toEqual(TIP_DOWN);
    expect([...encodeQuery(26_202, 16_325, 1023, 36)]).toEqual(QUERY);
    expect([...encodeOut()]).toEqual(OUT);
    expect(() => encodePen({ x: 65_536, y: 0, pressure: 0 })).toThrow(/x: expected an integer 0-65535/);
  });
});

describe('ISDV4 parser: strict resynchronisation', () => {
  it('skips garbage before a packet', () => {
    const p = new Isdv4Parser();
    expect(p.push(Uint8Array.from([0x00, 0x7f, 0x12, 0x55, ...HOVER]))).toEqual([pen({})]);
    expect(p.stats.droppedBytes).toBe(4);
  });

  it('a truncated packet followed by a full one yields only the full one', () => {
    const p = new Isdv4Parser();
    const events = p.push(Uint8Array.from([...TIP_DOWN.slice(0, 5), ...HOVER]));
    expect(events).toEqual([pen({})]);
    expect(p.stats.droppedBytes).toBe(5);
  });

  it('a truncated packet split across chunks invents no point', () => {
    expect(parse(TIP_DOWN.slice(0, 8), HOVER)).toEqual([pen({})]);
  });

  it('a query reply mid-stream is a query, never a pen point', () => {
    const events = parse(HOVER, QUERY, TIP_DOWN);
    expect(events.map((e) => e.type)).toEqual(['pen', 'query', 'pen']);
  });

  it('a query reply cutting into a pen packet drops the partial pen packet', () => {
    expect(parse([...TIP_DOWN.slice(0, 4), ...QUERY, ...HOVER]).map((e) => e.type)).toEqual(['query', 'pen']);
  });

  it('touch packets mid-stream are ignored, whatever their length', () => {
    const touch5 = [0x90, 0x01, 0x02, 0x03, 0x04];
    const touch13 = [0x91, ...Array.from({ length: 12 }, (_, i) => i)];
    const p = new Isdv4Parser();
    const events = p.push(Uint8Array.from([...HOVER, ...touch5, ...TIP_DOWN, ...touch13, ...OUT]));
    expect(events.map((e) => e.type)).toEqual(['pen', 'pen', 'out']);
    expect(p.stats.ignoredPackets).toBe(2);
  });

  it('a control reply other than the query is not decoded', () => {
    expect(parse([0xc2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], HOVER)).toEqual([pen({})]);
  });

  it('reset() forgets a partial packet and the proximity session', () => {
    const p = new Isdv4Parser();
    p.push(Uint8Array.from([0xa4, ...HOVER.slice(1)])); // eraser session
    p.push(Uint8Array.from(TIP_DOWN.slice(0, 6)));
    p.reset();
    expect(p.push(Uint8Array.from([...TIP_DOWN.slice(6), ...HOVER]))).toEqual([pen({})]);
  });
});
