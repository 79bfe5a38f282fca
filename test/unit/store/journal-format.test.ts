import { describe, expect, it } from 'vitest';
import { encodeLine, scanSegment } from '../../../device/store/journal-format.js';
import type { CommittedRecord } from '../../../device/core/ports.js';

function rec(seq: number): CommittedRecord {
  return {
    id: `id-${seq}`,
    seq,
    kind: 'audit',
    time: { wall: seq, synced: true },
    payload: { text: 'ünïcode 签名', seq },
    prevHash: '0'.repeat(64),
    hash: String(seq).padStart(64, '0'),
    signature: 'sig',
  };
}

const lines = [1, 2, 3].map((s) => encodeLine(rec(s)));
const whole = Buffer.concat(lines);

describe('journal line format', () => {
  it('reads back every record with its offset and length', () => {
    const scan = scanSegment(whole);
    expect(scan.lines.map((l) => l.record)).toEqual([rec(1), rec(2), rec(3)]);
    expect(scan.lines[1]).toMatchObject({ offset: lines[0]?.length, length: lines[1]?.length });
    expect(scan).toMatchObject({ goodEnd: whole.length, tornBytes: 0, corruptAt: null });
  });

  it('calls a last line without its newline a torn tail, at every cut point', () => {
    const last = lines[2]?.length ?? 0;
    for (let cut = 1; cut < last; cut++) {
      const scan = scanSegment(whole.subarray(0, whole.length - cut));
      expect(scan.lines).toHaveLength(2);
      expect(scan).toMatchObject({ tornBytes: last - cut, corruptAt: null });
    }
  });

  it('calls a bad checksum followed by good records corruption, and at the end a torn tail', () => {
    const mid = Buffer.from(whole);
    const at = (lines[0]?.length ?? 0) + 20;
    mid[at] = (mid[at] ?? 0) ^ 0x01;
    expect(scanSegment(mid)).toMatchObject({ corruptAt: lines[0]?.length, tornBytes: 0 });
    const end = Buffer.from(whole);
    end[end.length - 5] = (end[end.length - 5] ?? 0) ^ 0x01;
    expect(scanSegment(end)).toMatchObject({ corruptAt: null, tornBytes: lines[2]?.length });
  });

  it('calls zeros after the last record (a filesystem extended the file) a torn tail', () => {
    const scan = scanSegment(Buffer.concat([whole, Buffer.alloc(4096)]));
    expect(scan).toMatchObject({ tornBytes: 4096, corruptAt: null });
    expect(scan.lines).toHaveLength(3);
  });
});
