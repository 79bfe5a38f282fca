import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { BoothError } from '../../protocol/errors.js';

/**
 * The gate every signature image passes before pdf-lib decodes it (pdf-lib's PNG decoder
 * inflates without bound and holds the whole image as RGBA several times over: a 76 KB PNG of
 * 20000x20000 took 42 s and 3.3 GB). Checked in this order, cheapest first:
 *  1. bytes: at most MAX_BYTES, the PNG signature, IHDR first;
 *  2. header: width, height and pixel count from IHDR within the limits below; no chunk the
 *     decoder would inflate or animate besides the image data (zTXt, iTXt, APNG, CgBI);
 *  3. image data: the IDAT stream inflates to exactly the size IHDR announces (node's zlib with
 *     an output cap, so extra compressed data cannot grow memory);
 *  4. ink: decoded by sharp (pixel-limited), at least MIN_INK_PIXELS pixels visible on white
 *     paper (alpha >= 32 and darker than 224 in some channel): an empty, all-white or fully
 *     transparent image is refused.
 *
 * Limits. The tablet's active area is 262 x 163 mm (26202 x 16325 points at 100 points/mm,
 * config `signature.maxX/maxY`); the booth renders a signature for stamping 240 px high
 * (device/visit/signature-pad.ts) and `booth tablet render` at `signature.render.dpi` (300 by
 * default): the whole active area at 300 dpi is 3095 x 1928 px (6 Mpx). The limits, 8192 px a
 * side and 16 Mpx, leave a margin of 2.6x over that (a full-area render up to ~480 dpi) and are
 * 1/26 of the tablet's native point grid (428 Mpx). 16 Mpx decode in well under a second.
 */
export const SIGNATURE_IMAGE_LIMITS = {
  maxBytes: 2 * 1024 * 1024,
  maxSide: 8192,
  maxPixels: 16 * 1024 * 1024,
  minInkPixels: 16,
} as const;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks pdf-lib's decoder (UPNG) inflates or turns into extra frames. */
const REFUSED_CHUNKS = new Set(['zTXt', 'iTXt', 'acTL', 'fcTL', 'fdAT', 'CgBI']);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALPHA_VISIBLE = 32;
const DARKER_THAN = 224;

export interface SignatureImageHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  /** The IDAT chunks' data, in order. */
  idat: Buffer[];
}

const bad = (message: string, details: Record<string, unknown> = {}) =>
  new BoothError('BOOTH_ERR_BAD_INPUT', `signature image: ${message}`, details);

/** Steps 1 and 2: size, signature, IHDR and the chunk list; reads no pixel. */
export function checkSignatureHeader(png: Uint8Array): SignatureImageHeader {
  const L = SIGNATURE_IMAGE_LIMITS;
  if (png.length > L.maxBytes)
    throw new BoothError(
      'BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE',
      `signature image: expected at most ${L.maxBytes} bytes, got ${png.length}`,
      { stage: 'bytes', size: png.length, maxBytes: L.maxBytes },
    );
  const buf = Buffer.from(png.buffer, png.byteOffset, png.length);
  if (buf.length < 8 + 25 || !buf.subarray(0, 8).equals(PNG_MAGIC)) throw bad('expected a PNG file');
  if (buf.readUInt32BE(8) !== 13 || buf.toString('latin1', 12, 16) !== 'IHDR')
    throw bad('expected a PNG starting with IHDR');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const [bitDepth = 0, colorType = 0, , , interlace = 0] = buf.subarray(24, 29);
  if (width === 0 || height === 0) throw bad(`expected a non-empty image, got ${width}x${height} px`);
  if (width > L.maxSide || height > L.maxSide || width * height > L.maxPixels)
    throw new BoothError(
      'BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE',
      `signature image: ${width}x${height} px (from its header) is too large; expected at most ` +
        `${L.maxSide} px a side and ${L.maxPixels / (1024 * 1024)} Mpx`,
      { stage: 'header', width, height, maxSide: L.maxSide, maxPixels: L.maxPixels },
    );
  if (CHANNELS[colorType] === undefined || ![1, 2, 4, 8, 16].includes(bitDepth) || interlace > 1)
    throw bad(`unsupported PNG format (colour type ${colorType}, bit depth ${bitDepth}, interlace ${interlace})`);
  const idat: Buffer[] = [];
  let end = false;
  for (let pos = 8; pos < buf.length && !end;) {
    if (pos + 12 > buf.length) throw bad('truncated PNG chunk');
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const next = pos + 12 + len;
    if (next > buf.length) throw bad(`PNG chunk ${type} runs past the end of the file`);
    if (REFUSED_CHUNKS.has(type)) throw bad(`PNG chunk ${type} is not accepted (compressed text or animation)`);
    if (type === 'IDAT') idat.push(buf.subarray(pos + 8, pos + 8 + len));
    end = type === 'IEND';
    pos = next;
  }
  if (idat.length === 0) throw bad('the PNG holds no image data');
  return { width, height, bitDepth, colorType, interlace, idat };
}

/** Bytes of the filtered scanlines IHDR announces (one filter byte per row, per Adam7 pass). */
export function rawImageBytes(
  h: Pick<SignatureImageHeader, 'width' | 'height' | 'bitDepth' | 'colorType' | 'interlace'>,
): number {
  const bitsPerPixel = (CHANNELS[h.colorType] ?? 4) * h.bitDepth;
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * bitsPerPixel) / 8));
  if (h.interlace === 0) return h.height * rowBytes(h.width);
  // Adam7: [x start, y start, x step, y step] per pass.
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.max(0, Math.ceil((h.width - x0) / dx));
    const rows = Math.max(0, Math.ceil((h.height - y0) / dy));
    total += w === 0 ? 0 : rows * rowBytes(w);
  }
  return total;
}

/** Step 3: the image data inflates to no more than IHDR says (capped: never more memory). */
function checkImageData(h: SignatureImageHeader): void {
  const expected = rawImageBytes(h);
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(h.idat), { maxOutputLength: expected + 1 });
  } catch (err) {
    const tooMuch = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw bad(
      tooMuch
        ? `the image data inflates to more than its ${h.width}x${h.height} px header announces`
        : `the image data cannot be inflated (${(err as Error).message})`,
    );
  }
  if (inflated.length !== expected)
    throw bad(`the image data holds ${inflated.length} bytes; its header announces ${expected}`);
}

/** Step 4: pixels that show on white paper. */
async function inkPixels(png: Uint8Array): Promise<number> {
  let data: Buffer;
  try {
    data = await sharp(png, { limitInputPixels: SIGNATURE_IMAGE_LIMITS.maxPixels })
      .ensureAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer();
  } catch (err) {
    throw bad(`cannot be decoded (${(err as Error).message})`);
  }
  let ink = 0;
  for (let i = 0; i + 3 < data.length; i += 4) {
    if ((data[i + 3] ?? 0) < ALPHA_VISIBLE) continue;
    if (Math.min(data[i] ?? 255, data[i + 1] ?? 255, data[i + 2] ?? 255) < DARKER_THAN) ink++;
  }
  return ink;
}

/** All four checks; resolves with the image size when the image may be embedded. */
export async function checkSignatureImage(png: Uint8Array): Promise<{ width: number; height: number; ink: number }> {
  const header = checkSignatureHeader(png);
  checkImageData(header);
  const ink = await inkPixels(png);
  if (ink < SIGNATURE_IMAGE_LIMITS.minInkPixels)
    throw new BoothError(
      'BOOTH_ERR_SIGNATURE_BLANK',
      `signature image: no visible ink (${ink} pixels dark and opaque enough to show on paper; ` +
        `expected at least ${SIGNATURE_IMAGE_LIMITS.minInkPixels})`,
      { ink, width: header.width, height: header.height },
    );
  return { width: header.width, height: header.height, ink };
}
