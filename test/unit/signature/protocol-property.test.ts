import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PROTOCOLS } from '../../../device/signature/protocol/index.js';
import { encodeOut, encodePen } from '../../../device/signature/protocol/isdv4-encode.js';
import type { TabletEvent } from '../../../device/signature/protocol/types.js';

const streams = fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 40 });

for (const spec of Object.values(PROTOCOLS)) {
  describe(`${spec.name} parser properties`, () => {
    it('random byte streams never throw and never exceed the 16-bit / pressure ranges', () => {
      fc.assert(
        fc.property(streams, (chunks) => {
          const parser = spec.createParser();
          for (const chunk of chunks)
            for (const e of parser.push(chunk)) {
              if (e.type === 'pen') {
                for (const v of [e.x, e.y]) expect(v >= 0 && v <= 0xffff && Number.isInteger(v)).toBe(true);
                expect(e.pressure >= 0 && e.pressure <= spec.limits.pressure).toBe(true);
                expect(e.pressure <= 0x3ff).toBe(true);
              } else if (e.type === 'query') {
                expect(e.maxX <= 0xffff && e.maxY <= 0xffff && e.maxPressure <= 0x3ff).toBe(true);
              }
            }
        }),
        { numRuns: 400 },
      );
    });
  });
}

describe('ISDV4 parser properties on valid streams', () => {
  const penFields = fc.record({
    x: fc.integer({ min: 0, max: 0xffff }),
    y: fc.integer({ min: 0, max: 0xffff }),
    pressure: fc.integer({ min: 0, max: 0x3ff }),
    tip: fc.boolean(),
    side: fc.boolean(),
  });

  it('any split of a valid stream decodes to the packets that were encoded', () => {
    fc.assert(
      fc.property(fc.array(penFields, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(200)), (pens, cuts) => {
        const bytes = Buffer.concat([...pens.map((p) => encodePen(p)), encodeOut()]);
        const parser = PROTOCOLS.isdv4.createParser();
        const events: TabletEvent[] = [];
        let at = 0;
        for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
          events.push(...parser.push(bytes.subarray(at, cut)));
          at = cut;
        }
        events.push(...parser.push(bytes.subarray(at)));
        expect(events).toHaveLength(pens.length + 1);
        events.slice(0, -1).forEach((e, i) => {
          expect(e).toMatchObject({
            type: 'pen',
            x: pens[i]!.x,
            y: pens[i]!.y,
            pressure: pens[i]!.pressure,
            tip: pens[i]!.tip,
          });
        });
      }),
      { numRuns: 200 },
    );
  });

  it('noise without header bytes between valid packets never becomes a point', () => {
    fc.assert(
      fc.property(
        fc.array(penFields, { minLength: 1, maxLength: 10 }),
        fc.uint8Array({ maxLength: 20 }),
        (pens, noise) => {
          const clean = noise.map((b) => b & 0x7f);
          const bytes = Buffer.concat(pens.flatMap((p) => [Buffer.from(clean), encodePen(p)]));
          const events = PROTOCOLS.isdv4.createParser().push(bytes);
          expect(events.length).toBe(pens.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
