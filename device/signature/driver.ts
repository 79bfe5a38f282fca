import type { Tablet, TabletChunk, TabletState } from '../core/ports.js';
import type { SignatureSettings } from '../config/sections/signature.js';
import type { DeviceInfo } from './model.js';
import type { ProtocolParser, ProtocolSpec, QueryEvent, TabletEvent } from './protocol/types.js';

export type DriverStatus = 'stopped' | 'initialising' | 'ready' | 'disconnected';

/** A decoded event stamped with the monotonic arrival time of the bytes that completed it. */
export interface TimedEvent {
  at: number;
  event: TabletEvent;
}

export interface TabletDriverDeps {
  tablet: Tablet;
  protocol: ProtocolSpec;
  settings: Pick<SignatureSettings, 'settleMs' | 'queryTimeoutMs' | 'maxX' | 'maxY' | 'maxPressure' | 'pointsPerMm'>;
  /** The configured line speed, tried first; then the protocol's others (38400 <-> 19200). */
  baudRate: number;
  warn?: (message: string) => void;
}

/**
 * The tablet port plus a protocol: runs the start-up sequence each time the port opens (stop,
 * settle, flush, query the maxima, start), decodes bytes into events and reports status.
 * Pen events before the start command has been sent are dropped: they belong to no capture.
 */
export class TabletDriver {
  private readonly parser: ProtocolParser;
  private readonly eventListeners = new Set<(e: TimedEvent) => void>();
  private readonly statusListeners = new Set<(status: DriverStatus, detail?: string) => void>();
  /** Waits in progress (settle, query), each with the function that ends it early on stop(). */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private unsubscribe: (() => void)[] = [];
  private generation = 0;
  private pendingQuery: ((q: QueryEvent) => void) | null = null;
  private currentStatus: DriverStatus = 'stopped';
  private currentDevice: DeviceInfo;
  private initialising: Promise<void> | null = null;
  /** Line speed in use, for the arrival-time estimate of packets batched in one chunk. */
  private baudRate: number;
  private lastAt = -Infinity;

  constructor(private readonly deps: TabletDriverDeps) {
    this.parser = deps.protocol.createParser();
    this.baudRate = deps.baudRate;
    const s = deps.settings;
    this.currentDevice = {
      protocol: deps.protocol.name,
      maxX: s.maxX,
      maxY: s.maxY,
      maxPressure: s.maxPressure,
      pointsPerMm: s.pointsPerMm,
      version: null,
    };
  }

  get status(): DriverStatus {
    return this.currentStatus;
  }

  /** The active area and pressure range in use (from the query reply, else from config). */
  get device(): DeviceInfo {
    return { ...this.currentDevice };
  }

  get parserStats() {
    return { ...this.parser.stats };
  }

  onEvent(fn: (e: TimedEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  onStatus(fn: (status: DriverStatus, detail?: string) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  async start(): Promise<void> {
    const { tablet } = this.deps;
    this.unsubscribe = [tablet.onData((c) => this.onChunk(c)), tablet.onState((s, d) => this.onTabletState(s, d))];
    // The composition root may have started the tablet already (for its readiness report).
    if (tablet.state === 'closed') await tablet.start();
    // The adapter may report 'open' during start() (the state listener began the sequence).
    if (tablet.state === 'open' && !this.initialising) this.beginInitialise();
    await this.initialising;
  }

  async stop(): Promise<void> {
    this.generation++;
    // End the waits at once: the abandoned sequence sees the new generation and returns.
    for (const [t, end] of this.waits) {
      clearTimeout(t);
      end();
    }
    this.waits.clear();
    this.initialising = null;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    await this.deps.tablet.stop();
    this.setStatus('stopped');
  }

  private onTabletState(state: TabletState, detail?: string): void {
    if (state === 'open') {
      if (!this.initialising && this.currentStatus !== 'ready') this.beginInitialise();
    } else if (state === 'disconnected') {
      this.generation++; // abandons a start-up sequence in progress
      this.parser.reset();
      this.setStatus('disconnected', detail);
    }
  }

  /**
   * A USB-serial adapter hands over bytes in batches (an FTDI chip every 16 ms), so one chunk can
   * hold several packets. Each event is stamped with the estimated arrival of its last byte: the
   * chunk's arrival minus the line time of the bytes that followed it (10 bits per byte).
   */
  private onChunk(chunk: TabletChunk): void {
    const msPerByte = 10_000 / this.baudRate;
    const bytes = chunk.bytes;
    for (let i = 0; i < bytes.length; i++) {
      for (const event of this.parser.push(bytes.subarray(i, i + 1))) {
        if (event.type === 'query') {
          this.acceptMaxima(event);
          this.pendingQuery?.(event);
          continue;
        }
        if (this.currentStatus !== 'ready') continue;
        // Never before an event already delivered: stamps stay monotonic whatever the jitter.
        const at = Math.max(this.lastAt, chunk.at - (bytes.length - 1 - i) * msPerByte);
        this.lastAt = at;
        for (const fn of [...this.eventListeners]) fn({ at, event });
      }
    }
  }

  private acceptMaxima(q: QueryEvent): void {
    if (q.maxX === 0 || q.maxY === 0 || q.maxPressure === 0) {
      this.deps.warn?.(`tablet query reply with a zero maximum ignored (${JSON.stringify(q)})`);
      return;
    }
    this.currentDevice = {
      ...this.currentDevice,
      maxX: q.maxX,
      maxY: q.maxY,
      maxPressure: q.maxPressure,
      version: q.version,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waits.delete(t);
        resolve();
      }, ms);
      this.waits.set(t, resolve);
    });
  }

  private waitForQuery(ms: number): Promise<QueryEvent | null> {
    return new Promise((resolve) => {
      const end = (q: QueryEvent | null) => {
        clearTimeout(t);
        this.waits.delete(t);
        this.pendingQuery = null;
        resolve(q);
      };
      const t = setTimeout(() => end(null), ms);
      this.waits.set(t, () => end(null));
      this.pendingQuery = end;
    });
  }

  private beginInitialise(): void {
    const run = this.initialise().finally(() => {
      if (this.initialising === run) this.initialising = null;
    });
    this.initialising = run;
  }

  /** The start-up sequence; a newer generation (disconnect, stop) abandons it. */
  private async initialise(): Promise<void> {
    const gen = ++this.generation;
    const { tablet, protocol, settings } = this.deps;
    this.setStatus('initialising');
    const rates = [...new Set([this.deps.baudRate, ...protocol.baudRates])];
    let answered: QueryEvent | null = null;
    try {
      for (const rate of rates) {
        await tablet.setBaudRate(rate);
        this.baudRate = rate;
        await tablet.write(protocol.commands.stop);
        await this.sleep(settings.settleMs);
        if (gen !== this.generation) return;
        await tablet.flush();
        this.parser.reset();
        if (!protocol.commands.query) break;
        const reply = this.waitForQuery(settings.queryTimeoutMs);
        await tablet.write(protocol.commands.query);
        answered = await reply;
        if (gen !== this.generation) return;
        if (answered) break;
      }
      if (protocol.commands.query && !answered) {
        this.deps.warn?.(
          `tablet did not answer the maxima query at ${rates.join(' or ')} baud; using configured maxima at ${rates[0]} baud`,
        );
        await tablet.setBaudRate(rates[0]!);
        this.baudRate = rates[0]!;
      }
      await tablet.write(protocol.commands.start);
    } catch (err) {
      // The port went away mid-sequence: the reopen will run the sequence again.
      if (gen === this.generation)
        this.setStatus('disconnected', `start-up failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (gen !== this.generation) return;
    this.setStatus(
      'ready',
      answered ? `maxima ${answered.maxX}x${answered.maxY}, pressure ${answered.maxPressure}` : 'configured maxima',
    );
  }

  private setStatus(status: DriverStatus, detail?: string): void {
    this.currentStatus = status;
    for (const fn of [...this.statusListeners]) fn(status, detail);
  }
}
