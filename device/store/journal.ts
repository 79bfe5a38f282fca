import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError } from '../../protocol/errors.js';
import type { CommittedRecord } from '../core/ports.js';
import { encodeLine, scanSegment } from './journal-format.js';
import { syncDir } from './fsync.js';
import { SeqIndex, type IndexSlot } from './seq-index.js';

/**
 * The append-only journal: segment files of checksummed lines (journal-format.ts), each append
 * fdatasync'd before it resolves. Concurrent appends are grouped into one write and one sync
 * (group commit), which keeps latency flat however many records the store already holds.
 * The in-memory index (seq -> segment, offset) is rebuilt by recovery at open.
 */
export interface Segment {
  /** Position in the order segments were opened (the index refers to segments by it). */
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly firstSeq: number;
  readonly day: string;
  lastSeq: number;
  bytes: number;
}

/** What the index knows of a record without reading it. */
export interface IndexEntry {
  seq: number;
  wall: number;
}

export interface RecoveryReport {
  records: number;
  segments: number;
  tornBytes: number;
  lastSeq: number;
  lastHash: string | null;
  /** Set when committed data is damaged or missing; the store then refuses commits. */
  fault: { message: string; file?: string } | null;
}

export interface JournalOptions {
  dir: string;
  quarantineDir: string;
  segmentMaxBytes: number;
  /** UTC day (YYYYMMDD) now: a segment rotates when the day changes. */
  today: () => string;
}

const SEGMENT_RE = /^seg-(\d{12})-(\d{8})\.log$/;

export class Journal {
  private readonly index = new SeqIndex();
  private segments: Segment[] = [];
  private readonly byId = new Map<number, Segment>();
  private nextSegmentId = 1;
  /** Hash of the last record held (the chain head), null when the journal is empty. */
  lastHash: string | null = null;
  private fh: FileHandle | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly o: JournalOptions) {}

  get firstSeq(): number {
    return this.index.size > 0 ? this.index.firstSeq : this.index.lastSeq + 1;
  }
  get lastSeq(): number {
    return Math.max(0, this.index.lastSeq);
  }
  get size(): number {
    return this.index.size;
  }

  private addSegment(seg: Omit<Segment, 'id'>): Segment {
    const full: Segment = { id: this.nextSegmentId++, ...seg };
    this.segments.push(full);
    this.byId.set(full.id, full);
    return full;
  }
  segmentList(): readonly Segment[] {
    return this.segments;
  }

  /** Reads every segment; cuts a torn tail, quarantines a corrupt segment (and stops there). */
  async open(visit?: (record: CommittedRecord) => void): Promise<RecoveryReport> {
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const names = (await readdir(this.o.dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    const report: RecoveryReport = { records: 0, segments: 0, tornBytes: 0, lastSeq: 0, lastHash: null, fault: null };
    let prev: CommittedRecord | null = null;
    for (const name of names) {
      const m = SEGMENT_RE.exec(name);
      const path = join(this.o.dir, name);
      const seg = {
        id: this.nextSegmentId++,
        name,
        path,
        firstSeq: Number(m?.[1]),
        day: m?.[2] ?? '',
        lastSeq: 0,
        bytes: 0,
      };
      const buf = await readFile(path);
      const scan = scanSegment(buf);
      if (scan.corruptAt !== null) {
        await this.quarantine(seg);
        report.fault = { message: `journal segment ${name}: checksum mismatch at byte ${scan.corruptAt}`, file: name };
        break;
      }
      for (const { record, offset, length } of scan.lines) {
        const expected = prev ? prev.seq + 1 : record.seq;
        if (record.seq !== expected || (prev && record.prevHash !== prev.hash)) {
          report.fault = {
            message: `journal segment ${name}: record ${record.seq} does not follow record ${prev?.seq ?? 0} (gap or broken chain)`,
            file: name,
          };
          break;
        }
        this.index.push(record.seq, { segment: seg.id, offset, length, wall: record.time.wall });
        visit?.(record);
        prev = record;
      }
      if (report.fault) {
        // Keep what was read before the break readable (sync can still deliver it).
        seg.bytes = buf.length;
        seg.lastSeq = prev?.seq ?? seg.firstSeq - 1;
        if (prev && prev.seq >= seg.firstSeq) this.keep(seg);
        break;
      }
      if (scan.tornBytes > 0) {
        await this.truncate(path, scan.goodEnd);
        report.tornBytes += scan.tornBytes;
      }
      seg.bytes = scan.goodEnd;
      seg.lastSeq = prev?.seq ?? seg.firstSeq - 1;
      this.keep(seg);
    }
    this.lastHash = prev?.hash ?? null;
    report.records = this.index.size;
    report.segments = this.segments.length;
    report.lastSeq = this.lastSeq;
    report.lastHash = prev?.hash ?? null;
    return report;
  }

  private keep(seg: Segment): void {
    this.segments.push(seg);
    this.byId.set(seg.id, seg);
  }

  private async truncate(path: string, length: number): Promise<void> {
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(length);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async quarantine(seg: Segment): Promise<void> {
    await mkdir(this.o.quarantineDir, { recursive: true, mode: 0o700 });
    await rename(seg.path, join(this.o.quarantineDir, seg.name));
    await syncDir(this.o.dir);
    await syncDir(this.o.quarantineDir);
  }

  /**
   * Appends records (already sealed, in seq order, following lastSeq) and resolves once they
   * are on disk. Appends are serialised: the caller groups concurrent commits into one call.
   * On a write error the partial bytes are cut off again and nothing is indexed.
   */
  append(records: readonly CommittedRecord[]): Promise<void> {
    const run = this.writing.then(() => this.doAppend(records));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async doAppend(records: readonly CommittedRecord[]): Promise<void> {
    const first = records[0];
    if (!first) return;
    if (first.seq !== this.lastSeq + 1)
      throw new BoothError('BOOTH_ERR_INTERNAL', `journal: expected seq ${this.lastSeq + 1}, got ${first.seq}`);
    const seg = await this.writableSegment(first.seq);
    const lines = records.map(encodeLine);
    const data = Buffer.concat(lines);
    const fh = this.fh;
    if (!fh) throw new BoothError('BOOTH_ERR_STORE_CLOSED', 'journal is closed');
    try {
      let written = 0;
      while (written < data.length) {
        const r = await fh.write(data, written, data.length - written, seg.bytes + written);
        written += r.bytesWritten;
      }
      await fh.datasync();
    } catch (err) {
      await fh.truncate(seg.bytes).catch(() => undefined);
      throw new BoothError('BOOTH_ERR_STORE_FAULT', `journal write failed: ${String(err)}`, {}, { cause: err });
    }
    let offset = seg.bytes;
    records.forEach((r, i) => {
      const length = lines[i]?.length ?? 0;
      this.index.push(r.seq, { segment: seg.id, offset, length, wall: r.time.wall });
      offset += length;
    });
    seg.bytes = offset;
    seg.lastSeq = records.at(-1)?.seq ?? seg.lastSeq;
    this.lastHash = records.at(-1)?.hash ?? this.lastHash;
  }

  private async writableSegment(nextSeq: number): Promise<Segment> {
    const cur = this.segments.at(-1);
    const day = this.o.today();
    if (cur && cur.bytes < this.o.segmentMaxBytes && cur.day === day && (cur.bytes > 0 || cur.firstSeq === nextSeq)) {
      this.fh ??= await open(cur.path, 'r+');
      return cur;
    }
    if (cur && cur.bytes === 0) {
      // An empty segment (crash right after rotation) is replaced rather than left as a gap.
      await this.closeFile();
      await rm(cur.path, { force: true });
      this.segments.pop();
      this.byId.delete(cur.id);
    }
    await this.closeFile();
    const name = `seg-${String(nextSeq).padStart(12, '0')}-${day}.log`;
    const path = join(this.o.dir, name);
    this.fh = await open(path, 'wx+', 0o600);
    await syncDir(this.o.dir);
    return this.addSegment({ name, path, firstSeq: nextSeq, day, lastSeq: nextSeq - 1, bytes: 0 });
  }

  /** Records with seq > after, at most `limit` and about `maxBytes` (at least one). */
  async read(after: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<CommittedRecord[]> {
    const picked: (IndexSlot & { seq: number })[] = [];
    let bytes = 0;
    for (let seq = Math.max(after + 1, this.firstSeq); seq <= this.lastSeq && picked.length < limit; seq++) {
      const e = this.index.get(seq);
      if (!e || (picked.length > 0 && bytes + e.length > maxBytes)) break;
      picked.push({ seq, ...e });
      bytes += e.length;
    }
    const out: CommittedRecord[] = [];
    let i = 0;
    while (i < picked.length) {
      const first = picked[i] as IndexSlot;
      let j = i;
      while (j + 1 < picked.length && picked[j + 1]?.segment === first.segment) j++;
      const last = picked[j] as IndexSlot;
      const seg = this.byId.get(first.segment);
      if (!seg) throw new BoothError('BOOTH_ERR_INTERNAL', `journal: segment ${first.segment} is not held`);
      // One read per segment for the whole run of records (they are contiguous on disk).
      const buf = Buffer.alloc(last.offset + last.length - first.offset);
      const fh = await open(seg.path, 'r');
      try {
        await fh.read(buf, 0, buf.length, first.offset);
      } finally {
        await fh.close();
      }
      for (let k = i; k <= j; k++) {
        const e = picked[k] as IndexSlot;
        const start = e.offset - first.offset + 9;
        out.push(JSON.parse(buf.toString('utf8', start, start + e.length - 10)) as CommittedRecord);
      }
      i = j + 1;
    }
    return out;
  }

  /** Index data of one record (no disk access), or null when it is not (or no longer) held. */
  entry(seq: number): IndexEntry | null {
    const e = this.index.get(seq);
    return e ? { seq, wall: e.wall } : null;
  }

  /** Deletes whole segments from the front whose records all satisfy `deletable` (retention). */
  async dropSegments(deletable: (seg: Segment) => boolean): Promise<Segment[]> {
    const dropped: Segment[] = [];
    while (this.segments.length > 1 && this.segments[0] && deletable(this.segments[0])) {
      const seg = this.segments.shift() as Segment;
      await rm(seg.path, { force: true });
      this.byId.delete(seg.id);
      this.index.dropFront(Math.max(0, seg.lastSeq - seg.firstSeq + 1));
      dropped.push(seg);
    }
    if (dropped.length) await syncDir(this.o.dir);
    return dropped;
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }

  async close(): Promise<void> {
    await this.writing;
    await this.closeFile();
  }
}
