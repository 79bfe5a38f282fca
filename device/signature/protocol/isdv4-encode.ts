import { ISDV4_CONTROL_LENGTH, ISDV4_PEN_LENGTH, ISDV4_QUERY_HEADER } from './isdv4.js';

/**
 * Builds ISDV4 packets from values: the inverse of the parser, used by the simulator, the
 * fixture generator and the tests. Values outside the protocol's ranges are rejected.
 */
export interface PenPacketFields {
  x: number;
  y: number;
  pressure: number;
  tip?: boolean;
  proximity?: boolean;
  switch2?: boolean;
  side?: boolean;
  tiltX?: number;
  tiltY?: number;
}

function check(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name}: expected an integer 0-${max}, got ${value}`);
  return value;
}

function putLayout(b: Buffer, x: number, y: number, p: number): void {
  b[1] = (x >> 9) & 0x7f;
  b[2] = (x >> 2) & 0x7f;
  b[3] = (y >> 9) & 0x7f;
  b[4] = (y >> 2) & 0x7f;
  b[5] = p & 0x7f;
  b[6] = ((p >> 7) & 0x07) | ((x & 3) << 5) | ((y & 3) << 3);
}

export function encodePen(f: PenPacketFields): Buffer {
  const b = Buffer.alloc(ISDV4_PEN_LENGTH);
  const proximity = f.proximity ?? true;
  b[0] = 0x80 | (proximity ? 0x20 : 0) | (f.switch2 ? 0x04 : 0) | (f.side ? 0x02 : 0) | (f.tip ? 0x01 : 0);
  putLayout(b, check('x', f.x, 0xffff), check('y', f.y, 0xffff), check('pressure', f.pressure, 0x3ff));
  b[7] = check('tiltX', f.tiltX ?? 0, 0x7f);
  b[8] = check('tiltY', f.tiltY ?? 0, 0x7f);
  return b;
}

/** A proximity-out packet (the pen left the sensing range). */
export function encodeOut(): Buffer {
  return encodePen({ x: 0, y: 0, pressure: 0, proximity: false });
}

export function encodeQuery(maxX: number, maxY: number, maxPressure: number, version = 0x24): Buffer {
  const b = Buffer.alloc(ISDV4_CONTROL_LENGTH);
  b[0] = ISDV4_QUERY_HEADER;
  putLayout(b, check('maxX', maxX, 0xffff), check('maxY', maxY, 0xffff), check('maxPressure', maxPressure, 0x3ff));
  check('version', version, 0x3fff);
  b[9] = (version >> 7) & 0x7f;
  b[10] = version & 0x7f;
  return b;
}
