import { BoothError } from '../../protocol/errors.js';
import type { DeviceInfo, Sample } from './model.js';

/**
 * ISO/IEC 19794-7:2007 (first edition) "signature/sign time series" record, full format,
 * binary encoding, with the channels X, Y, T, F and S. Layout (big-endian; see
 * docs/signature.md for the sources and what is our reading of them):
 *
 *   header  "SDI\0"  " 10\0"  channel-inclusion u16  channel descriptions  reserved u8 (0)
 *   body    sample count u16, then per sample one u16 per included channel in bit order,
 *           extended-data length u16, extended data
 *
 * Channel-inclusion bits from the most significant: X Y Z VX VY AX AY T DT F S TX TY Az El R.
 * A description is a preamble byte (bit7 scaling value, bit6 min, bit5 max, bit4 mean, bit3
 * standard deviation, bit2 constant, bit1 linear component removed) and the fields it announces;
 * a scaling value is u16: 5-bit exponent E and 11-bit mantissa F, value = 2^(E-16)·(1+F/2048).
 *
 * X and Y are signed 16-bit, so positions are written relative to the ink's top-left corner;
 * that origin (tablet units) is kept in 8 bytes of extended data tagged "BOOT" so a read gives
 * back the very samples written. T is milliseconds from the first sample (scaling 1000/s).
 */

const MAGIC = Buffer.from('SDI\0', 'latin1');
const VERSION = Buffer.from(' 10\0', 'latin1');
const EXT_TAG = Buffer.from('BOOT', 'latin1');

/** Channel bits, most significant first, as in the standard's channel-inclusion field. */
const CHANNELS = ['X', 'Y', 'Z', 'VX', 'VY', 'AX', 'AY', 'T', 'DT', 'F', 'S', 'TX', 'TY', 'AZ', 'EL', 'R'] as const;
type Channel = (typeof CHANNELS)[number];
const bit = (c: Channel) => 1 << (15 - CHANNELS.indexOf(c));
const WRITTEN: readonly Channel[] = ['X', 'Y', 'T', 'F', 'S'];

const PRE = { scaling: 0x80, min: 0x40, max: 0x20, mean: 0x10, std: 0x08 } as const;

export function encodeScaling(value: number): number {
  if (!(value >= 2 ** -16 && value < 2 ** 16)) throw new RangeError(`scaling value ${value} outside 2^-16..2^16`);
  let e = Math.floor(Math.log2(value));
  let f = Math.round((value / 2 ** e - 1) * 2048);
  if (f === 2048) {
    e += 1;
    f = 0;
  }
  return ((e + 16) << 11) | f;
}

export function decodeScaling(raw: number): number {
  return 2 ** ((raw >> 11) - 16) * (1 + (raw & 0x7ff) / 2048);
}

export interface Iso19794Record {
  samples: Sample[];
  pointsPerMm: number;
  maxPressure: number;
}

function invalid(message: string, details: Record<string, unknown> = {}): BoothError {
  return new BoothError('BOOTH_ERR_SIGNATURE_RECORD_INVALID', `19794-7 record: ${message}`, details);
}

/**
 * Writes the in-proximity samples (pen-down and hover; S tells them apart). Proximity-out
 * markers, eraser and side switch have no channel here: they stay in the raw sample stream.
 */
export function toIso19794_7(signature: { samples: readonly Sample[]; device: DeviceInfo }): Buffer {
  const samples = signature.samples.filter((s) => s.proximity);
  if (samples.length > 0xffff) throw invalid(`${samples.length} samples; expected at most 65535`);
  const t0 = samples[0]?.t ?? 0;
  const ox = samples.reduce((m, s) => Math.min(m, s.x), samples[0]?.x ?? 0);
  const oy = samples.reduce((m, s) => Math.min(m, s.y), samples[0]?.y ?? 0);
  const header: number[] = [];
  const u16 = (out: number[], v: number) => out.push((v >> 8) & 0xff, v & 0xff);
  u16(
    header,
    WRITTEN.reduce((acc, c) => acc | bit(c), 0),
  );
  const xy = encodeScaling(signature.device.pointsPerMm);
  header.push(PRE.scaling);
  u16(header, xy);
  header.push(PRE.scaling);
  u16(header, xy);
  header.push(PRE.scaling);
  u16(header, encodeScaling(1000));
  header.push(PRE.min | PRE.max);
  u16(header, 0);
  u16(header, signature.device.maxPressure);
  header.push(0x00); // S: a switch, no attributes
  header.push(0x00); // reserved

  const body = Buffer.alloc(2 + samples.length * 10 + 2 + 12);
  let o = body.writeUInt16BE(samples.length, 0);
  for (const s of samples) {
    const t = Math.round(s.t - t0);
    if (t < 0 || t > 0xffff) throw invalid(`sample time ${t} ms; expected 0-65535 ms from the first sample`);
    if (s.x - ox > 0x7fff || s.y - oy > 0x7fff) throw invalid('ink wider than 32767 tablet units');
    o = body.writeInt16BE(s.x - ox, o);
    o = body.writeInt16BE(s.y - oy, o);
    o = body.writeUInt16BE(t, o);
    o = body.writeUInt16BE(s.pressure, o);
    o = body.writeUInt16BE(s.tip ? 1 : 0, o);
  }
  o = body.writeUInt16BE(12, o);
  o += EXT_TAG.copy(body, o);
  o = body.writeUInt32BE(ox, o);
  body.writeUInt32BE(oy, o);
  return Buffer.concat([MAGIC, VERSION, Buffer.from(header), body]);
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number, what: string): void {
    if (this.offset + n > this.buf.length)
      throw invalid(`truncated at byte ${this.offset}: expected ${n} more bytes for ${what}`, {
        offset: this.offset,
      });
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}

interface Description {
  scaling?: number;
  min?: number;
  max?: number;
}

/** Reads a record written by toIso19794_7 (or any 2007 record carrying at least X, Y and S). */
export function fromIso19794_7(record: Buffer): Iso19794Record {
  const r = new Reader(record);
  if (!r.bytes(4, 'format identifier').equals(MAGIC)) throw invalid('expected the format identifier "SDI\\0"');
  if (!r.bytes(4, 'version').equals(VERSION)) throw invalid('expected version " 10\\0" (19794-7:2007)');
  const inclusion = r.u16('channel inclusion');
  const included = CHANNELS.filter((c) => inclusion & bit(c));
  for (const c of ['X', 'Y', 'S'] as const)
    if (!included.includes(c)) throw invalid(`channel ${c} missing; expected X, Y and S at least`);
  const desc = new Map<Channel, Description>();
  for (const c of included) {
    const pre = r.u8(`${c} preamble`);
    const d: Description = {};
    if (pre & PRE.scaling) d.scaling = decodeScaling(r.u16(`${c} scaling`));
    if (pre & PRE.min) d.min = r.u16(`${c} min`);
    if (pre & PRE.max) d.max = r.u16(`${c} max`);
    if (pre & PRE.mean) r.u16(`${c} mean`);
    if (pre & PRE.std) r.u16(`${c} standard deviation`);
    desc.set(c, d);
  }
  r.u8('reserved');
  const count = r.u16('sample count');
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < count; i++) {
    const row: Record<string, number> = {};
    for (const c of included) {
      const v = r.u16(`sample ${i} channel ${c}`);
      row[c] = c === 'X' || c === 'Y' ? (v << 16) >> 16 : v;
    }
    rows.push(row);
  }
  const extLength = r.u16('extended data length');
  const ext = r.bytes(extLength, 'extended data');
  if (r.offset !== record.length) throw invalid(`${record.length - r.offset} bytes after the record's end`);
  let ox = 0;
  let oy = 0;
  if (extLength === 12 && ext.subarray(0, 4).equals(EXT_TAG)) {
    ox = ext.readUInt32BE(4);
    oy = ext.readUInt32BE(8);
  }
  const samples: Sample[] = rows.map((row) => ({
    t: row.T ?? 0,
    x: (row.X ?? 0) + ox,
    y: (row.Y ?? 0) + oy,
    pressure: row.F ?? 0,
    tip: (row.S ?? 0) !== 0,
    proximity: true,
    eraser: false,
    side: false,
  }));
  return {
    samples,
    pointsPerMm: desc.get('X')?.scaling ?? 100,
    maxPressure: desc.get('F')?.max ?? 1023,
  };
}
