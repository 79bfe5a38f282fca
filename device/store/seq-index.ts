/**
 * The journal's in-memory index: for each held record (by seq, contiguous), the segment it is
 * in, its byte offset and length, and its wall time. Kept in columns of typed arrays in fixed
 * chunks rather than one object per record: at 100,000 records and more the garbage collector
 * then has next to nothing to trace, so commit latency does not grow with the store.
 */
const CHUNK = 65_536;

interface Chunk {
  segment: Int32Array;
  offset: Float64Array;
  length: Int32Array;
  wall: Float64Array;
}

export interface IndexSlot {
  segment: number;
  offset: number;
  length: number;
  wall: number;
}

export class SeqIndex {
  private chunks: Chunk[] = [];
  /** Position of the first held record within chunk 0. */
  private head = 0;
  private count = 0;
  /** seq of the first held record (0 when empty and nothing was ever held). */
  firstSeq = 0;

  get size(): number {
    return this.count;
  }
  get lastSeq(): number {
    return this.count === 0 ? this.firstSeq - 1 : this.firstSeq + this.count - 1;
  }

  push(seq: number, slot: IndexSlot): void {
    if (this.count === 0 && this.firstSeq === 0) this.firstSeq = seq;
    const pos = this.head + this.count;
    const ci = Math.floor(pos / CHUNK);
    let c = this.chunks[ci];
    if (!c) {
      c = {
        segment: new Int32Array(CHUNK),
        offset: new Float64Array(CHUNK),
        length: new Int32Array(CHUNK),
        wall: new Float64Array(CHUNK),
      };
      this.chunks.push(c);
    }
    const i = pos % CHUNK;
    c.segment[i] = slot.segment;
    c.offset[i] = slot.offset;
    c.length[i] = slot.length;
    c.wall[i] = slot.wall;
    this.count++;
  }

  get(seq: number): IndexSlot | null {
    const k = seq - this.firstSeq;
    if (k < 0 || k >= this.count) return null;
    const pos = this.head + k;
    const c = this.chunks[Math.floor(pos / CHUNK)];
    const i = pos % CHUNK;
    if (!c) return null;
    return { segment: c.segment[i] ?? 0, offset: c.offset[i] ?? 0, length: c.length[i] ?? 0, wall: c.wall[i] ?? 0 };
  }

  /** Forgets the first `n` records (retention); whole chunks are released as they empty. */
  dropFront(n: number): void {
    const k = Math.min(n, this.count);
    this.head += k;
    this.count -= k;
    this.firstSeq += k;
    while (this.head >= CHUNK) {
      this.chunks.shift();
      this.head -= CHUNK;
    }
  }
}
