import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { BoothError } from '../../../protocol/errors.js';
import { SocatPair } from './socat.js';
import { detachPort } from './listeners.js';
import { encodeQuery } from '../../signature/protocol/isdv4-encode.js';

export interface PtyTabletSimulatorOptions {
  socatPath: string;
  dir: string;
  /** Real serial binding (bindings-cpp): the simulator's end is a serial port too. */
  binding: BindingInterface;
  /** What the emulated tablet answers to the ISDV4 pen query. */
  maxima: { maxX: number; maxY: number; maxPressure: number; version: number };
  /** Gap between packets while replaying: a real ISDV4 pen reports about 133 times a second. */
  packetIntervalMs: number;
}

/** Splits a recording at header bytes (bit 7 set) so it is replayed packet by packet. */
export function splitPackets(bytes: Uint8Array): Buffer[] {
  const packets: Buffer[] = [];
  let start = 0;
  for (let i = 1; i <= bytes.length; i++) {
    if (i === bytes.length || (bytes[i]! & 0x80) !== 0) {
      packets.push(Buffer.from(bytes.subarray(start, i)));
      start = i;
    }
  }
  return bytes.length ? packets : [];
}

/**
 * An ISDV4 tablet on the far end of a socat pseudo-terminal pair. It answers the commands a
 * real tablet does (`0` stop, `*` query -> 11-byte reply, `1` start) and replays recordings
 * only while started, so the booth's real serial binding, protocol parser and driver all run
 * end to end. unplug()/replug() kill and recreate the pair like pulling the USB cable.
 */
export class PtyTabletSimulator {
  private readonly pair: SocatPair;
  private port: SerialPortStream | null = null;
  private streaming = false;
  private replayAbort: (() => void) | null = null;
  /** Every command byte received, in order (tests check the start-up sequence). */
  readonly commands: string[] = [];

  constructor(private readonly options: PtyTabletSimulatorOptions) {
    this.pair = new SocatPair({ socatPath: options.socatPath, dir: options.dir, holdBooth: true });
  }

  /** The path the booth opens (a symlink to a /dev/pts/N). */
  get boothPath(): string {
    return this.pair.boothPath;
  }

  get plugged(): boolean {
    return this.pair.running;
  }

  get started(): boolean {
    return this.streaming;
  }

  async start(): Promise<void> {
    if (this.port) return; // already plugged in
    await this.pair.start();
    const port = new SerialPortStream({
      binding: this.options.binding,
      path: this.pair.devicePath,
      baudRate: 38_400,
      autoOpen: false,
      hupcl: false,
    });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (bytes: Buffer) => this.onCommand(bytes));
    port.on('error', () => undefined); // the booth side vanishing is not the simulator's fault
    this.port = port;
    // Only now does the booth see the tablet, so no command it sends can be lost.
    await this.pair.exposeBooth();
  }

  async stop(): Promise<void> {
    this.replayAbort?.();
    this.streaming = false;
    const port = this.port;
    this.port = null;
    if (port) {
      detachPort(port); // a late EIO from the vanished pair must not throw
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    await this.pair.stop();
  }

  /** Pulls the cable: the booth's end disappears mid-stream. */
  unplug(): Promise<void> {
    return this.stop();
  }

  replug(): Promise<void> {
    return this.start();
  }

  /**
   * Sends a recording packet by packet. Waits for the start command first (a real tablet
   * stays silent until then); resolves when done or when unplugged.
   */
  async replay(bytes: Uint8Array, options: { waitForStartMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.waitForStartMs ?? 5000);
    while (!this.streaming) {
      if (!this.port || Date.now() > deadline)
        throw new BoothError('BOOTH_ERR_NOT_READY', 'simulated tablet was not started by the booth (no "1" command)');
      await new Promise((r) => setTimeout(r, 10));
    }
    let aborted = false;
    this.replayAbort = () => (aborted = true);
    try {
      for (const packet of splitPackets(bytes)) {
        const port = this.port;
        if (aborted || !port || !this.streaming) return;
        await new Promise<void>((resolve) => port.write(packet, () => port.drain(() => resolve())));
        await new Promise((r) => setTimeout(r, this.options.packetIntervalMs));
      }
    } finally {
      this.replayAbort = null;
    }
  }

  /** Raw bytes out of the tablet regardless of its state (line noise, contract tests). */
  async sendRaw(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port) throw new BoothError('BOOTH_ERR_NOT_READY', 'simulated tablet is unplugged');
    await new Promise<void>((resolve) => port.write(bytes, () => port.drain(() => resolve())));
  }

  private onCommand(bytes: Buffer): void {
    for (const byte of bytes) {
      const c = String.fromCharCode(byte);
      this.commands.push(c);
      if (c === '0') this.streaming = false;
      else if (c === '1') this.streaming = true;
      else if (c === '*') {
        const m = this.options.maxima;
        this.port?.write(encodeQuery(m.maxX, m.maxY, m.maxPressure, m.version));
      }
    }
  }
}
