/**
 * What every tablet protocol module provides: a pure parser (bytes in, events out, no timers
 * or I/O) and the few facts the driver needs to start the tablet. Adding a protocol is one new
 * module exporting a ProtocolSpec, plus one line in ./index.ts.
 */

/** One decoded pen report. Coordinates are tablet units (16 bits), pressure 10 bits at most. */
export interface PenEvent {
  type: 'pen';
  x: number;
  y: number;
  pressure: number;
  /** Pen tip touches the surface (pen-down). */
  tip: boolean;
  /** The pen is within sensing range (always true for a pen event; out-of-range is OutEvent). */
  proximity: boolean;
  /** The whole proximity session is the eraser end. */
  eraser: boolean;
  /** Side switch (barrel button). */
  side: boolean;
  /** Second switch pressed while in proximity as a pen: a button, not the eraser. */
  button2: boolean;
  tiltX: number;
  tiltY: number;
}

/** The tablet's answer to the pen query: its maxima and firmware version. */
export interface QueryEvent {
  type: 'query';
  maxX: number;
  maxY: number;
  maxPressure: number;
  version: number;
}

/** The pen left the sensing range. */
export interface OutEvent {
  type: 'out';
}

export type TabletEvent = PenEvent | QueryEvent | OutEvent;

/** Counters a technician can read (booth tablet listen) to judge line quality. */
export interface ParserStats {
  packets: number;
  /** Bytes thrown away while resynchronising (noise, truncated packets). */
  droppedBytes: number;
  /** Packets recognised but deliberately not decoded (touch, unknown control replies). */
  ignoredPackets: number;
}

export interface ProtocolParser {
  /** Feeds bytes in arrival order; returns the events completed by them. Never throws. */
  push(bytes: Uint8Array): TabletEvent[];
  /** Forgets a partial packet and the proximity session (after a flush or reopen). */
  reset(): void;
  readonly stats: Readonly<ParserStats>;
}

export interface ProtocolSpec {
  readonly name: ProtocolName;
  /** Line speeds to try, in order (the configured one is tried first by the driver). */
  readonly baudRates: readonly number[];
  readonly commands: {
    readonly stop: Buffer;
    readonly start: Buffer;
    /** Null when the protocol has no maxima query: maxima then come from config. */
    readonly query: Buffer | null;
  };
  /** Widest values the protocol can carry (property tests and sanity checks). */
  readonly limits: { readonly coordinate: number; readonly pressure: number };
  createParser(): ProtocolParser;
}

export type ProtocolName = 'isdv4' | 'protocol4';
