import { describe, expect, it } from 'vitest';
import { Protocol4Parser } from '../../../device/signature/protocol/protocol4.js';
import { protocolByName } from '../../../device/signature/protocol/index.js';

// Built from the layout: x = (b0&3)<<14 | b1<<7 | b2, y = (b3&3)<<14 | b4<<7 | b5,
// buttons = (b3>>3)&0xf, z = (b6&0x3f)<<1 | (b3>>2)&1 with sign bit b6&0x40.
describe('Protocol IV parser', () => {
  it('decodes a stylus packet with the tip down', () => {
    const x = 20_000;
    const y = 9_000;
    const b3 = ((y >> 14) & 3) | (1 << 3) | (1 << 2); // tip button, z low bit 1
    const packet = [0xe0 | ((x >> 14) & 3), (x >> 7) & 0x7f, x & 0x7f, b3, (y >> 7) & 0x7f, y & 0x7f, 0x10];
    const [e] = new Protocol4Parser().push(Uint8Array.from(packet));
    expect(e).toMatchObject({ type: 'pen', x, y, tip: true, eraser: false, pressure: ((0x10 << 1) | 1) + 128 });
  });

  it('reports proximity-out, ignores puck reports and resynchronises on header bytes', () => {
    const p = new Protocol4Parser();
    const puck = [0xc0, 0, 0, 0, 0, 0, 0];
    const out = [0x80, 0, 0, 0, 0, 0, 0];
    const events = p.push(Uint8Array.from([0x12, 0x34, 0xe0, 1, 2, ...puck, ...out]));
    expect(events).toEqual([{ type: 'out' }]);
    expect(p.stats.ignoredPackets).toBe(1);
    expect(p.stats.droppedBytes).toBe(5);
  });

  it('eraser on entering proximity holds for the session', () => {
    const eraser = [0xe0, 0, 0, 4 << 3, 0, 0, 0x40];
    const tip = [0xe0, 0, 0, 1 << 3, 0, 0, 0x40];
    const events = new Protocol4Parser().push(Uint8Array.from([...eraser, ...tip]));
    expect(events.map((e) => e.type === 'pen' && e.eraser)).toEqual([true, true]);
  });

  it('is selectable by name with its own commands and line speed', () => {
    const spec = protocolByName('protocol4');
    expect(spec.baudRates[0]).toBe(9600);
    expect(spec.commands.query).toBeNull();
  });
});
