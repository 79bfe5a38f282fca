import type { AdapterInfo, Tablet, TabletChunk, TabletState } from '../../../device/core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { TabletListeners } from '../../../device/hardware/tablet/listeners.js';
import { encodeQuery } from '../../../device/signature/protocol/isdv4-encode.js';

/**
 * A strict in-memory ISDV4 tablet: it answers the pen query only at the line speed given,
 * records every command with the speed it was sent at, and rejects writes while not open.
 */
export class FakeIsdv4Tablet implements Tablet {
  readonly info: AdapterInfo = { kind: 'sim', adapter: 'fake', description: 'unit-test tablet' };
  readonly sent: { command: string; baud: number }[] = [];
  flushes = 0;
  private current: TabletState = 'closed';
  private baud = 0;
  private readonly listeners = new TabletListeners();
  private clock = 0;

  /** The line speed at which the tablet answers the query (null: never); tests may change it. */
  constructor(public answerAt: number | null) {}

  get state(): TabletState {
    return this.current;
  }
  onData(fn: (chunk: TabletChunk) => void): () => void {
    return this.listeners.onData(fn);
  }
  onState(fn: (state: TabletState, detail?: string) => void): () => void {
    return this.listeners.onState(fn);
  }
  async start(): Promise<void> {
    this.setState('open');
  }
  async stop(): Promise<void> {
    this.setState('closed', 'stopped');
  }
  async write(bytes: Buffer): Promise<void> {
    if (this.current !== 'open') throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', 'fake tablet is not open');
    for (const c of bytes.toString('latin1')) {
      this.sent.push({ command: c, baud: this.baud });
      if (c === '*' && this.baud === this.answerAt) setImmediate(() => this.emit(encodeQuery(20_000, 15_000, 1023, 7)));
    }
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
  async setBaudRate(baudRate: number): Promise<void> {
    this.baud = baudRate;
  }

  /** Bytes from the tablet, stamped with a fake arrival time 10 ms after the previous chunk. */
  emit(bytes: Buffer): void {
    this.clock += 10;
    this.listeners.emitData({ bytes, at: this.clock });
  }
  unplug(): void {
    this.setState('disconnected', 'unplugged');
  }
  replug(): void {
    this.setState('open');
  }
  commands(): string {
    return this.sent.map((s) => `${s.command}@${s.baud}`).join(' ');
  }
  private setState(state: TabletState, detail?: string): void {
    this.current = state;
    this.listeners.emitState(state, detail);
  }
}
