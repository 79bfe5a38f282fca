import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { AdapterInfo, Clock, Tablet, TabletChunk, TabletState } from '../../core/ports.js';
import { BoothError } from '../../../protocol/errors.js';
import { Backoff } from './backoff.js';
import { TabletListeners, detachPort } from './listeners.js';

export interface SerialTabletOptions {
  path: string;
  baudRate: number;
  /** bindings-cpp on a device; @serialport/binding-mock in tests. */
  binding: BindingInterface;
  clock: Clock;
  reopenInitialMs: number;
  reopenMaxMs: number;
  /** Where non-fatal problems go (DTR/RTS refused, reopen attempts). */
  warn?: (message: string) => void;
  /** Description shown in logs/doctor; defaults to the path. */
  description?: string;
  kind?: 'real' | 'sim';
}

/**
 * A serial signature tablet through @serialport/stream. Contract (core/ports.ts Tablet): every
 * chunk is delivered with its monotonic arrival time; a disconnect (USB unplugged) is reported
 * and the port is reopened with backoff until stop(); DTR/RTS failures (pseudo-terminals answer
 * "Inappropriate ioctl") are logged, not fatal.
 */
export class SerialTablet implements Tablet {
  readonly info: AdapterInfo;
  private port: SerialPortStream | null = null;
  private currentState: TabletState = 'closed';
  private readonly listeners = new TabletListeners();
  private readonly backoff: Backoff;
  private reopenTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private baudRate: number;

  constructor(private readonly options: SerialTabletOptions) {
    this.info = { kind: options.kind ?? 'real', adapter: 'serial', description: options.description ?? options.path };
    this.backoff = new Backoff(options.reopenInitialMs, options.reopenMaxMs);
    this.baudRate = options.baudRate;
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

  /**
   * Resolves once the first open attempt is done; later attempts continue in the background.
   * Idempotent: a tablet already open, opening or retrying is left as it is (the booth and the
   * signature feature may both start it; a second open would split the bytes between two readers).
   */
  async start(): Promise<void> {
    if (this.currentState !== 'closed') return;
    this.stopping = false;
    await this.open();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    const port = this.port;
    this.port = null;
    if (port) {
      // The error listener stays while the port closes and after: a late EIO must not throw.
      detachPort(port, this.lateError);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    this.setState('closed', 'stopped');
  }

  async write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new BoothError('BOOTH_ERR_TABLET_UNAVAILABLE', `tablet ${this.options.path} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve()))));
    });
  }

  async flush(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve, reject) => port.flush((err) => (err ? reject(err) : resolve())));
  }

  async setBaudRate(baudRate: number): Promise<void> {
    this.baudRate = baudRate;
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve, reject) => port.update({ baudRate }, (err) => (err ? reject(err) : resolve())));
  }

  /** An error from a port already let go of (closing, closed, replaced): logged, never thrown. */
  private readonly lateError = (err: Error): void =>
    this.options.warn?.(`tablet ${this.options.path} (closed port): ${err.message}`);

  private setState(state: TabletState, detail?: string): void {
    if (state === this.currentState && state !== 'disconnected') return;
    this.currentState = state;
    this.listeners.emitState(state, detail);
  }

  private async open(): Promise<void> {
    if (this.stopping) return;
    this.setState('opening');
    const port = new SerialPortStream({
      binding: this.options.binding,
      path: this.options.path,
      baudRate: this.baudRate,
      autoOpen: false,
      hupcl: false,
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      detachPort(port, this.lateError);
      this.scheduleReopen(`open failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.stopping) {
      detachPort(port, this.lateError);
      port.close();
      return;
    }
    this.port = port;
    this.backoff.reset();
    port.on('data', (bytes: Buffer) => this.listeners.emitData({ bytes, at: this.options.clock.monotonic() }));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (this.port !== port) return;
      this.port = null;
      detachPort(port, this.lateError);
      if (this.stopping) return;
      this.scheduleReopen(err?.disconnected ? `disconnected: ${err.message}` : 'closed by the device');
    });
    port.on('error', (err: Error) => this.options.warn?.(`tablet ${this.options.path}: ${err.message}`));
    try {
      await new Promise<void>((resolve, reject) =>
        port.set({ dtr: true, rts: true }, (e) => (e ? reject(e) : resolve())),
      );
    } catch (err) {
      // Pseudo-terminals and some USB adapters refuse modem lines; the data still flows.
      this.options.warn?.(
        `tablet ${this.options.path}: DTR/RTS not set (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    this.setState('open');
  }

  private scheduleReopen(reason: string): void {
    if (this.stopping) return;
    const delay = this.backoff.next();
    this.setState('disconnected', `${reason}; retrying in ${delay} ms`);
    this.options.warn?.(`tablet ${this.options.path}: ${reason}; retrying in ${delay} ms`);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      void this.open();
    }, delay);
  }
}
