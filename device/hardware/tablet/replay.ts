import { readFile } from 'node:fs/promises';
import type { AdapterInfo, Clock, Tablet, TabletChunk, TabletState } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { TabletListeners } from './listeners.js';

export interface ReplayTabletOptions {
  /** Raw byte file recorded from a tablet. */
  file: string;
  baudRate: number;
  clock: Clock;
  /** Bytes delivered per chunk (a serial driver hands over a few bytes at a time). */
  chunkBytes?: number;
}

/**
 * Simulated tablet: replays a recorded byte file at the line's pace (10 bits per byte) each
 * time replay() is called. It honours the Tablet contract: chunks carry arrival times, write()
 * needs an open port, stop() ends a replay in progress. The pseudo-terminal simulator
 * (through the real serial binding) is the signature feature's; this one needs no socat.
 */
export class ReplayTablet implements Tablet {
  readonly info: AdapterInfo;
  private bytes = Buffer.alloc(0);
  private currentState: TabletState = 'closed';
  private readonly listeners = new TabletListeners();
  private timer: NodeJS.Timeout | null = null;
  readonly written: Buffer[] = [];

  constructor(private readonly options: ReplayTabletOptions) {
    this.info = { kind: 'sim', adapter: 'replay', description: options.file };
  }

  get state(): TabletState {
    return this.currentState;
  }

  onData(fn: (chunk: TabletChunk) => void): () => void {
    return this.listeners.onData(fn);
  }
  onState(fn: (state: TabletState, detail?: string) => void): () => void {
    return this.listeners.onState(fn);
  }

  async start(): Promise<void> {
    try {
      this.bytes = await readFile(this.options.file);
    } catch (err) {
      throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', `simulated tablet: cannot read ${this.options.file}`, {
        cause: (err as Error).message,
      });
    }
    this.setState('open');
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.setState('closed', 'stopped');
  }

  /** Plays the recording once; resolves when the last chunk has been delivered. */
  replay(): Promise<void> {
    if (this.currentState !== 'open') return Promise.reject(new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', 'not open'));
    const chunk = this.options.chunkBytes ?? 9;
    const msPerChunk = Math.max(1, Math.round((chunk * 10 * 1000) / this.options.baudRate));
    let offset = 0;
    return new Promise((resolve) => {
      const tick = () => {
        if (this.currentState !== 'open' || offset >= this.bytes.length) {
          this.timer = null;
          resolve();
          return;
        }
        const bytes = this.bytes.subarray(offset, offset + chunk);
        offset += chunk;
        this.listeners.emitData({ bytes: Buffer.from(bytes), at: this.options.clock.monotonic() });
        this.timer = setTimeout(tick, msPerChunk);
      };
      tick();
    });
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.currentState !== 'open')
      throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', 'simulated tablet is not open');
    this.written.push(Buffer.from(bytes));
  }

  async flush(): Promise<void> {}

  async setBaudRate(baudRate: number): Promise<void> {
    this.options.baudRate = baudRate;
  }

  private setState(state: TabletState, detail?: string): void {
    this.currentState = state;
    this.listeners.emitState(state, detail);
  }
}
