import type { ParserStats, ProtocolParser, ProtocolSpec, TabletEvent } from './types.js';

/**
 * Wacom serial Protocol IV (ArtPad/UltraPad-era tablets, 9600 baud), as decoded by the serial
 * code of xf86-input-wacom. 7-byte packets with the same framing rule as ISDV4 (bit 7 only in
 * the first byte), so the same strict resynchronisation applies.
 *
 *   b0: bit6 proximity, bit5 stylus (clear = puck; puck reports are ignored), bits1-0 x[15:14]
 *   x = (b0&3)<<14 | b1<<7 | b2;   y = (b3&3)<<14 | b4<<7 | b5
 *   buttons = (b3>>3)&0xf (bit0 tip, bit1 side, bit2 eraser/second switch)
 *   pressure: 8-bit two's complement z = (b6&0x3f)<<1 | (b3>>2)&1, sign b6 bit6, shifted to 0-255
 *
 * Protocol IV has no binary maxima query (its ASCII "~C" reply differs by model): maxima come
 * from config. Not checked against a physical tablet here; the ISDV4 module is the primary one.
 */
export const PROTOCOL4_LENGTH = 7;

export class Protocol4Parser implements ProtocolParser {
  private readonly packet = new Uint8Array(PROTOCOL4_LENGTH);
  private length = 0;
  private session: { eraser: boolean } | null = null;
  readonly stats: ParserStats = { packets: 0, droppedBytes: 0, ignoredPackets: 0 };

  reset(): void {
    this.length = 0;
    this.session = null;
  }

  push(bytes: Uint8Array): TabletEvent[] {
    const events: TabletEvent[] = [];
    for (const byte of bytes) {
      if (byte & 0x80) {
        this.stats.droppedBytes += this.length;
        this.packet[0] = byte;
        this.length = 1;
        continue;
      }
      if (this.length === 0) {
        this.stats.droppedBytes++;
        continue;
      }
      this.packet[this.length++] = byte;
      if (this.length === PROTOCOL4_LENGTH) {
        this.length = 0;
        this.stats.packets++;
        const event = this.decode();
        if (event) events.push(event);
      }
    }
    return events;
  }

  private decode(): TabletEvent | null {
    const b = this.packet;
    const b0 = b[0]!;
    const b3 = b[3]!;
    if (!(b0 & 0x40)) {
      this.session = null;
      return { type: 'out' };
    }
    if (!(b0 & 0x20)) {
      this.stats.ignoredPackets++;
      return null;
    }
    const buttons = (b3 >> 3) & 0x0f;
    this.session ??= { eraser: (buttons & 0x04) !== 0 };
    const z = ((b[6]! & 0x3f) << 1) | ((b3 >> 2) & 1);
    return {
      type: 'pen',
      x: ((b0 & 0x03) << 14) | ((b[1]! & 0x7f) << 7) | (b[2]! & 0x7f),
      y: ((b3 & 0x03) << 14) | ((b[4]! & 0x7f) << 7) | (b[5]! & 0x7f),
      pressure: b[6]! & 0x40 ? z : z + 128,
      tip: (buttons & 0x01) !== 0,
      proximity: true,
      eraser: this.session.eraser,
      side: (buttons & 0x02) !== 0,
      button2: !this.session.eraser && (buttons & 0x04) !== 0,
      tiltX: 0,
      tiltY: 0,
    };
  }
}

export const protocol4: ProtocolSpec = {
  name: 'protocol4',
  baudRates: [9600, 19_200],
  commands: { stop: Buffer.from('SP\r'), start: Buffer.from('ST\r'), query: null },
  limits: { coordinate: 0xffff, pressure: 0xff },
  createParser: () => new Protocol4Parser(),
};
