import { statfs } from 'node:fs/promises';

/**
 * Watches free space on the data medium. Below `lowFreeBytes` the booth refuses new visits
 * (so a visit never starts that could not be stored); below `criticalFreeBytes` even commits
 * are refused, before a half-written record could be lost. `freeBytes` is injectable for tests.
 */
export type DiskState = 'ok' | 'low' | 'critical';

export interface DiskGuardOptions {
  path: string;
  lowFreeBytes: number;
  criticalFreeBytes: number;
  onChange: (state: DiskState, freeBytes: number) => void;
  freeBytes?: (path: string) => Promise<number>;
}

async function statfsFree(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

export class DiskGuard {
  state: DiskState = 'ok';
  freeBytes = Number.POSITIVE_INFINITY;

  constructor(private readonly o: DiskGuardOptions) {}

  async check(): Promise<DiskState> {
    const free = await (this.o.freeBytes ?? statfsFree)(this.o.path);
    const next: DiskState = free < this.o.criticalFreeBytes ? 'critical' : free < this.o.lowFreeBytes ? 'low' : 'ok';
    this.freeBytes = free;
    if (next !== this.state) {
      this.state = next;
      this.o.onChange(next, free);
    }
    return next;
  }
}
