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
