/**
 * Splits a byte stream of concatenated JPEG images (an MJPEG pipe from ffmpeg or rpicam-vid)
 * into whole frames. It walks the marker structure rather than searching for FF D9: a marker
 * segment (APP1 with an embedded EXIF thumbnail, a comment) may contain any bytes, FF D8 and
 * FF D9 included, so segments are skipped by their length; only in entropy-coded data after
 * SOS is FF significant, and there FF 00 (stuffing), FF D0..D7 (restart markers) and FF FF
 * (fill) are data, not the end of the image. A frame that breaks the structure is dropped and
 * the splitter resynchronises on the next SOI; a frame larger than `maxBytes` is dropped
 * (the buffer never holds more than maxBytes plus one chunk).
 */

export interface SplitterStats {
  frames: number;
  /** Frames dropped for exceeding maxBytes. */
  oversized: number;
  /** Frames dropped for a broken marker structure. */
  corrupt: number;
}

type State =
  | 'seek' // looking for FF D8
  | 'marker' // expecting FF (start of the next marker)
  | 'code' // after FF: the marker code (or more FF fill)
  | 'len1'
  | 'len2'
  | 'skip' // inside a marker segment's payload
  | 'entropy' // entropy-coded data after SOS
  | 'entropyFF'; // an FF inside entropy-coded data

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const TEM = 0x01;

export class JpegSplitter {
  private state: State = 'seek';
  private seekFF = false;
  /** Bytes of the current frame from earlier chunks. */
  private parts: Buffer[] = [];
  private size = 0;
  private len = 0;
  private remaining = 0;
  private afterSegment: 'marker' | 'entropy' = 'marker';
  private sawScan = false;
  readonly stats: SplitterStats = { frames: 0, oversized: 0, corrupt: 0 };

  constructor(
    private readonly onFrame: (jpeg: Buffer) => void,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Buffer): void {
    // Offset in `chunk` where the current frame's bytes (not yet in `parts`) begin; -1 = none.
    let start = this.state === 'seek' ? -1 : 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const b = chunk[i] as number;
      switch (this.state) {
        case 'seek':
          if (this.seekFF && b === SOI) {
            this.begin();
            start = i + 1;
          } else this.seekFF = b === 0xff;
          i++;
          break;
        case 'marker':
          if (b !== 0xff) {
            start = this.corrupt();
            continue; // rescan this byte for an SOI
          }
          this.state = 'code';
          i++;
          break;
        case 'code':
        case 'entropyFF': {
          const inScan = this.state === 'entropyFF';
          i++;
          if (b === 0xff) break; // fill byte
          if (inScan && (b === 0x00 || (b >= 0xd0 && b <= 0xd7))) {
            this.state = 'entropy'; // stuffed FF or restart marker: still entropy data
            break;
          }
          if (b === EOI) {
            if (this.sawScan) this.emit(chunk, start, i);
            else this.dropCorrupt();
            start = -1;
            break;
          }
          if (b === SOI) {
            // An SOI inside a frame: the frame was cut off; the new one starts here.
            this.stats.corrupt++;
            this.begin();
            start = i;
            break;
          }
          if (b === 0x00 || (b >= 0xd0 && b <= 0xd7) || b === TEM) {
            if (b === 0x00) {
              start = this.corrupt();
              continue;
            }
            this.state = inScan ? 'entropy' : 'marker'; // standalone marker, no length
            break;
          }
          this.afterSegment = b === SOS ? 'entropy' : 'marker';
          if (b === SOS) this.sawScan = true;
          this.state = 'len1';
          break;
        }
        case 'len1':
          this.len = b << 8;
          this.state = 'len2';
          i++;
          break;
        case 'len2':
          this.len |= b;
          i++;
          if (this.len < 2) {
            start = this.corrupt();
            continue;
          }
          this.remaining = this.len - 2;
          this.state = this.remaining > 0 ? 'skip' : this.afterSegment;
          break;
        case 'skip': {
          const take = Math.min(this.remaining, n - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = this.afterSegment;
          break;
        }
        case 'entropy': {
          const ff = chunk.indexOf(0xff, i);
          if (ff < 0) i = n;
          else {
            this.state = 'entropyFF';
            i = ff + 1;
          }
          break;
        }
      }
    }
    if (start >= 0 && this.state !== 'seek') {
      const rest = chunk.subarray(start);
      this.size += rest.length;
      if (this.size > this.maxBytes) {
        this.stats.oversized++;
        this.reset();
      } else this.parts.push(rest);
    }
  }

  private begin(): void {
    this.parts = [Buffer.from([0xff, SOI])];
    this.size = 2;
    this.sawScan = false;
    this.state = 'marker';
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    const tail = chunk.subarray(Math.max(0, start), end);
    const size = this.size + tail.length;
    const parts = this.parts;
    this.reset();
    if (size > this.maxBytes) {
      this.stats.oversized++;
      return;
    }
    this.stats.frames++;
    this.onFrame(Buffer.concat([...parts, tail], size));
  }

  private dropCorrupt(): void {
    this.stats.corrupt++;
    this.reset();
  }

  /** Drops the frame in progress and goes back to looking for an SOI; returns the new `start`. */
  private corrupt(): number {
    this.dropCorrupt();
    return -1;
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.state = 'seek';
    this.seekFF = false;
  }
}

/** Width and height from a JPEG's SOF marker (baseline, extended, progressive), or null. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const code = jpeg[i + 1] as number;
    if (code === 0xff) {
      i++;
      continue;
    }
    const len = jpeg.readUInt16BE(i + 2);
    if (code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    if (code === SOS) return null;
    i += 2 + len;
  }
  return null;
}
