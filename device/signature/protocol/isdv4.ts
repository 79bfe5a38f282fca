import type { ParserStats, PenEvent, ProtocolParser, ProtocolSpec, TabletEvent } from './types.js';

/**
 * Wacom ISDV4 serial ("penabled") protocol, as documented by the Linux kernel's wacom_w8001
 * driver and the ISDV4 code of xf86-input-wacom.
 *
 * Framing: the first byte of a packet has bit 7 set, every later byte has it clear. In the
 * first byte bit 6 marks a control/query reply (11 bytes), bit 4 a touch packet (ignored,
 * its length varies by model), otherwise a 9-byte pen packet.
 *
 * Resynchronisation is strict: bytes before a header byte are dropped; a header byte in the
 * middle of a packet abandons the partial packet and starts a new one there. So a truncated
 * packet never yields a point, and noise never becomes ink.
 */
export const ISDV4_PEN_LENGTH = 9;
export const ISDV4_CONTROL_LENGTH = 11;
export const ISDV4_QUERY_HEADER = 0xc0;

const HEADER = 0x80;
const CONTROL = 0x40;
const TOUCH = 0x10;
const PROXIMITY = 0x20;
const SWITCH2 = 0x04;
const SIDE = 0x02;
const TIP = 0x01;

type Kind = 'pen' | 'control' | 'touch';

/** Coordinate split over b[i]<<9 | b[i+1]<<2 | two low bits in b6: 16 bits. */
function coordinate(hi: number, mid: number, low2: number): number {
  return ((hi & 0x7f) << 9) | ((mid & 0x7f) << 2) | (low2 & 0x03);
}

export class Isdv4Parser implements ProtocolParser {
  private readonly packet = new Uint8Array(ISDV4_CONTROL_LENGTH);
  private length = 0;
  private kind: Kind | null = null;
  /** Proximity session: null when out of range, else whether it is the eraser. */
  private session: { eraser: boolean } | null = null;
  readonly stats: ParserStats = { packets: 0, droppedBytes: 0, ignoredPackets: 0 };

  reset(): void {
    this.length = 0;
    this.kind = null;
    this.session = null;
  }

  push(bytes: Uint8Array): TabletEvent[] {
    const events: TabletEvent[] = [];
    for (const byte of bytes) {
      if (byte & HEADER) {
        this.abandonPartial();
        this.kind = byte & CONTROL ? 'control' : byte & TOUCH ? 'touch' : 'pen';
        this.packet[0] = byte;
        this.length = 1;
        continue;
      }
      if (this.kind === null) {
        this.stats.droppedBytes++;
        continue;
      }
      if (this.kind === 'touch') continue; // skipped until the next header byte
      this.packet[this.length++] = byte;
      const full = this.kind === 'pen' ? ISDV4_PEN_LENGTH : ISDV4_CONTROL_LENGTH;
      if (this.length === full) {
        const event = this.kind === 'pen' ? this.decodePen() : this.decodeControl();
        this.stats.packets++;
        this.kind = null;
        this.length = 0;
        if (event) events.push(event);
      }
    }
    return events;
  }

  private abandonPartial(): void {
    if (this.kind === 'touch') this.stats.ignoredPackets++;
    else if (this.kind !== null) this.stats.droppedBytes += this.length;
    this.kind = null;
    this.length = 0;
  }

  private decodePen(): TabletEvent {
    const b = this.packet;
    const b0 = b[0]!;
    if (!(b0 & PROXIMITY)) {
      this.session = null;
      return { type: 'out' };
    }
    const switch2 = (b0 & SWITCH2) !== 0;
    // The second switch decides the tool only when the pen enters proximity.
    this.session ??= { eraser: switch2 };
    const b6 = b[6]!;
    const event: PenEvent = {
      type: 'pen',
      x: coordinate(b[1]!, b[2]!, b6 >> 5),
      y: coordinate(b[3]!, b[4]!, b6 >> 3),
      pressure: ((b6 & 0x07) << 7) | (b[5]! & 0x7f),
      tip: (b0 & TIP) !== 0,
      proximity: true,
      eraser: this.session.eraser,
      side: (b0 & SIDE) !== 0,
      button2: !this.session.eraser && switch2,
      tiltX: b[7]! & 0x7f,
      tiltY: b[8]! & 0x7f,
    };
    return event;
  }

  private decodeControl(): TabletEvent | null {
    const b = this.packet;
    if (b[0] !== ISDV4_QUERY_HEADER) {
      this.stats.ignoredPackets++;
      return null;
    }
    const b6 = b[6]!;
    return {
      type: 'query',
      maxX: coordinate(b[1]!, b[2]!, b6 >> 5),
      maxY: coordinate(b[3]!, b[4]!, b6 >> 3),
      maxPressure: ((b6 & 0x07) << 7) | (b[5]! & 0x7f),
      version: ((b[9]! & 0x7f) << 7) | (b[10]! & 0x7f),
    };
  }
}

export const isdv4: ProtocolSpec = {
  name: 'isdv4',
  baudRates: [38_400, 19_200],
  commands: { stop: Buffer.from('0'), start: Buffer.from('1'), query: Buffer.from('*') },
  limits: { coordinate: 0xffff, pressure: 0x3ff },
  createParser: () => new Isdv4Parser(),
};
