import { readFile } from 'node:fs/promises';
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { AdapterInfo, Clock, Tablet, TabletChunk, TabletState } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { SerialTablet } from './serial.js';
import { PtyTabletSimulator } from './pty-sim.js';

export interface SimSerialTabletOptions {
  socatPath: string;
  dir: string;
  /** Recording replayed by replay(). */
  file: string;
  binding: BindingInterface;
  clock: Clock;
  baudRate: number;
  reopenInitialMs: number;
  reopenMaxMs: number;
  packetIntervalMs?: number;
  warn?: (message: string) => void;
}

/**
 * The demo booth's tablet: the real SerialTablet adapter reading a socat pseudo-terminal, with
 * an emulated ISDV4 tablet on the other end. Same Tablet contract as the real adapter (it is
 * the real adapter); replay() plays the recording as if an expert signed.
 */
export class SimSerialTablet implements Tablet {
  readonly info: AdapterInfo;
  readonly simulator: PtyTabletSimulator;
  private readonly serial: SerialTablet;

  constructor(private readonly options: SimSerialTabletOptions) {
    this.info = { kind: 'sim', adapter: 'pty-sim', description: `socat pseudo-terminal replaying ${options.file}` };
    this.simulator = new PtyTabletSimulator({
      socatPath: options.socatPath,
      dir: options.dir,
      binding: options.binding,
      maxima: { maxX: 26_202, maxY: 16_325, maxPressure: 1023, version: 0x24 },
      packetIntervalMs: options.packetIntervalMs ?? 7.5,
    });
    this.serial = new SerialTablet({
      path: this.simulator.boothPath,
      baudRate: options.baudRate,
      binding: options.binding,
      clock: options.clock,
      reopenInitialMs: options.reopenInitialMs,
      reopenMaxMs: options.reopenMaxMs,
      kind: 'sim',
      description: this.info.description,
      ...(options.warn ? { warn: options.warn } : {}),
    });
  }

  get state(): TabletState {
    return this.serial.state;
  }
  onData(fn: (chunk: TabletChunk) => void): () => void {
    return this.serial.onData(fn);
  }
  onState(fn: (state: TabletState, detail?: string) => void): () => void {
    return this.serial.onState(fn);
  }
  write(bytes: Buffer): Promise<void> {
    return this.serial.write(bytes);
  }
  flush(): Promise<void> {
    return this.serial.flush();
  }
  setBaudRate(baudRate: number): Promise<void> {
    return this.serial.setBaudRate(baudRate);
  }

  async start(): Promise<void> {
    await this.simulator.start();
    await this.serial.start();
  }

  async stop(): Promise<void> {
    await this.serial.stop();
    await this.simulator.stop();
  }

  /** Plays the recording once, as an expert signing; resolves when the last packet is sent. */
  async replay(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.options.file);
    } catch (err) {
      throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', `simulated tablet: cannot read ${this.options.file}`, {
        cause: (err as Error).message,
      });
    }
    await this.simulator.replay(bytes);
  }
}
