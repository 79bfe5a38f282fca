import { crc32 } from 'node:zlib';
import type { CommittedRecord } from '../core/ports.js';

/**
 * The journal's on-disk format, one record per line:
 *   <crc32 of the JSON, 8 hex digits> <space> <record as JSON> <newline>
 * Pure: bytes in, records and a verdict out. A line without its newline or with a bad checksum
 * at the very end is a torn write (power cut mid-append: cut it off); a bad line followed by good
 * ones is corruption of committed data (quarantine the segment, raise a fault).
 */
const NL = 0x0a;

export function encodeLine(record: CommittedRecord): Buffer {
  const json = JSON.stringify(record);
  const crc = crc32(json).toString(16).padStart(8, '0');
  return Buffer.from(`${crc} ${json}\n`, 'utf8');
}

export interface ScannedLine {
  record: CommittedRecord;
  offset: number;
  length: number;
}

export interface ScanResult {
  lines: ScannedLine[];
  /** Byte length of the good prefix; anything after it is a torn tail (when `corruptAt` is null). */
  goodEnd: number;
  tornBytes: number;
  /** Offset of a bad line that is followed by good data: the segment is corrupt. */
  corruptAt: number | null;
}

function decodeLine(buf: Buffer, start: number, end: number): CommittedRecord | null {
  if (end - start < 11 || buf[start + 8] !== 0x20) return null;
  const crcText = buf.toString('latin1', start, start + 8);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return null;
  const body = buf.subarray(start + 9, end);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return null;
  try {
    const r = JSON.parse(body.toString('utf8')) as CommittedRecord;
    return typeof r === 'object' && r !== null && Number.isInteger(r.seq) && typeof r.hash === 'string' ? r : null;
  } catch {
    return null;
  }
}

export function scanSegment(buf: Buffer): ScanResult {
  const lines: ScannedLine[] = [];
  let pos = 0;
  let badAt: number | null = null;
  while (pos < buf.length) {
    const nl = buf.indexOf(NL, pos);
    const end = nl === -1 ? buf.length : nl;
    const record = nl === -1 ? null : decodeLine(buf, pos, end);
    if (record && badAt === null) {
      lines.push({ record, offset: pos, length: end + 1 - pos });
    } else if (record && badAt !== null) {
      // A good record after a bad one: the bad one was committed data, not a torn tail.
      return { lines, goodEnd: badAt, tornBytes: 0, corruptAt: badAt };
    } else if (badAt === null) {
      badAt = pos;
    }
    pos = end + 1;
  }
  const goodEnd = badAt ?? buf.length;
  return { lines, goodEnd, tornBytes: buf.length - goodEnd, corruptAt: null };
}
