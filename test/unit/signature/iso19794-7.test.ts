import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBoothError } from '../../../protocol/errors.js';
import { decodeScaling, encodeScaling, fromIso19794_7, toIso19794_7 } from '../../../device/signature/iso19794-7.js';
import type { Sample } from '../../../device/signature/model.js';
import { DEVICE, demoSignature, line } from './builders.js';

const channelsOf = (s: Sample) => ({ t: s.t, x: s.x, y: s.y, pressure: s.pressure, tip: s.tip });

describe('ISO/IEC 19794-7:2007 export', () => {
  it('writes the SDI header, the X Y T F S inclusion bits and the channel descriptions', () => {
    const record = toIso19794_7(demoSignature());
    expect(record.subarray(0, 8).toString('latin1')).toBe('SDI\0 10\0');
    expect(record.readUInt16BE(8)).toBe(0x8000 | 0x4000 | 0x0100 | 0x0040 | 0x0020);
    // X: scaling present, 100 units per mm; Y the same; T: scaling 1000 per second.
    expect(record[10]).toBe(0x80);
    expect(decodeScaling(record.readUInt16BE(11))).toBe(100);
    expect(record[13]).toBe(0x80);
    expect(record[16]).toBe(0x80);
    expect(decodeScaling(record.readUInt16BE(17))).toBe(1000);
    // F: min and max; S: nothing; then the reserved byte.
    expect(record[19]).toBe(0x60);
    expect([record.readUInt16BE(20), record.readUInt16BE(22)]).toEqual([0, 1023]);
    expect([record[24], record[25]]).toEqual([0, 0]);
  });

  it('round trip: write, read back, the same samples', () => {
    const sig = demoSignature();
    const back = fromIso19794_7(toIso19794_7(sig));
    const inProximity = sig.samples.filter((s) => s.proximity);
    expect(back.samples.map(channelsOf)).toEqual(inProximity.map(channelsOf));
    expect(back.pointsPerMm).toBe(100);
    expect(back.maxPressure).toBe(1023);
  });

  it('round trip holds for any samples the tablet can produce', () => {
    const sample = fc.record({
      dt: fc.integer({ min: 0, max: 40 }),
      x: fc.integer({ min: 0, max: 0xffff }),
      y: fc.integer({ min: 0, max: 0xffff }),
      pressure: fc.integer({ min: 0, max: 1023 }),
      tip: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 30_000 }),
        (rows, base) => {
          // Keep the ink within the signed 16-bit span 19794-7 allows for X and Y.
          let t = 0;
          const samples: Sample[] = rows.map((r) => ({
            t: (t += r.dt),
            x: base + (r.x % 32_000),
            y: base + (r.y % 32_000),
            pressure: r.pressure,
            tip: r.tip,
            proximity: true,
            eraser: false,
            side: false,
          }));
          const shifted = samples.map((s) => ({ ...s, t: s.t - samples[0]!.t }));
          const back = fromIso19794_7(toIso19794_7({ samples, device: DEVICE }));
          expect(back.samples.map(channelsOf)).toEqual(shifted.map(channelsOf));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('scaling values: 5-bit exponent, 11-bit mantissa', () => {
    expect(encodeScaling(1)).toBe(16 << 11);
    expect(encodeScaling(100)).toBe((22 << 11) | 1152);
    for (const v of [0.5, 1, 40, 100, 1000, 2540]) expect(decodeScaling(encodeScaling(v))).toBeCloseTo(v, 6);
    expect(() => encodeScaling(0)).toThrow(RangeError);
  });

  it('refuses records it cannot represent, and bad records with a coded error', () => {
    const long = line({ from: [0, 0], to: [100, 0], n: 2, ms: 70_000 });
    expect(() => toIso19794_7({ samples: long, device: DEVICE })).toThrow(/expected 0-65535 ms/);
    const good = toIso19794_7(demoSignature());
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('XYZ\0 10\0'), /format identifier/],
      [Buffer.concat([Buffer.from('SDI\0 20\0'), good.subarray(8)]), /version/],
      [good.subarray(0, good.length - 5), /truncated/],
      [Buffer.concat([good, Buffer.from([0])]), /after the record's end/],
    ];
    for (const [bytes, message] of cases) {
      let caught: unknown;
      try {
        fromIso19794_7(bytes);
      } catch (err) {
        caught = err;
      }
      expect(isBoothError(caught, 'BOOTH_ERR_SIGNATURE_RECORD_INVALID')).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
  });
});
