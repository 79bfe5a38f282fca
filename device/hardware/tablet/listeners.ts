import type { TabletChunk, TabletState } from '../../core/ports.js';

/** Data and state listeners shared by every Tablet adapter, so each honours the same contract. */
export class TabletListeners {
  private readonly data = new Set<(chunk: TabletChunk) => void>();
  private readonly state = new Set<(state: TabletState, detail?: string) => void>();

  onData(fn: (chunk: TabletChunk) => void): () => void {
    this.data.add(fn);
    return () => this.data.delete(fn);
  }
  onState(fn: (state: TabletState, detail?: string) => void): () => void {
    this.state.add(fn);
    return () => this.state.delete(fn);
  }
  emitData(chunk: TabletChunk): void {
    for (const fn of [...this.data]) fn(chunk);
  }
  emitState(state: TabletState, detail?: string): void {
    for (const fn of [...this.state]) fn(state, detail);
  }
  clear(): void {
    this.data.clear();
    this.state.clear();
  }
}

/**
 * Lets go of a serial port stream: every listener goes, except one for 'error'. A port that is
 * closing (or was unplugged) can still emit an error afterwards, an EIO from the last read for
 * instance; an EventEmitter with no error listener throws it, which took the booth down on
 * SIGTERM with exit 1. The kept listener only reports it.
 */
export function detachPort(
  port: { removeAllListeners(): unknown; on(event: 'error', fn: (err: Error) => void): unknown },
  report: (err: Error) => void = () => undefined,
): void {
  port.removeAllListeners();
  port.on('error', report);
}
