import sharp from 'sharp';
import { BoothError } from '../../protocol/errors.js';
import type { RgbImage } from './types.js';

/**
 * Image bytes -> upright RGB pixels in memory. Untrusted input: the size is checked before the
 * decoder allocates anything, formats are limited to what a camera or an ID photo uses, and
 * every failure is a BOOTH_ERR_FACE_BAD_IMAGE saying what was expected. Nothing is written to
 * disk (sharp works on the buffer).
 */

// libvips's operation cache (50 MB, 100 operations by default) keeps results for inputs seen
// again; every camera frame is new, so it only held memory. Process-wide: the booth's other
// sharp users (signature PNG, camera check) render unique images too.
sharp.cache(false);

export interface DecodeLimits {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels: number;
  /** Refuse inputs larger than this many bytes. */
  maxBytes: number;
  /** Larger images are downscaled on decode so the long side is at most this (memory bound). */
  maxSide: number;
}

function bad(source: string, expected: string, details: Record<string, unknown> = {}, cause?: unknown): BoothError {
  return new BoothError('BOOTH_ERR_FACE_BAD_IMAGE', `${source}: expected ${expected}`, details, { cause });
}

export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits, source = 'image'): Promise<RgbImage> {
  if (bytes.length === 0) throw bad(source, 'a JPEG, PNG or WebP image, got 0 bytes', { bytes: 0 });
  if (bytes.length > limits.maxBytes)
    throw bad(source, `at most ${limits.maxBytes} bytes, got ${bytes.length}`, { bytes: bytes.length });
  const format = sniffFormat(bytes);
  if (!format) throw bad(source, `a JPEG, PNG or WebP image, got ${describe(bytes)}`, { bytes: bytes.length });
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated' })
      .rotate() // applies the EXIF orientation
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: toRgb(data, info.channels), width: info.width, height: info.height };
  } catch (err) {
    const why = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    // sharp checks the pixel limit from the header, before it allocates the image.
    if (/pixel limit/i.test(why))
      throw bad(source, `at most ${limits.maxPixels} pixels (${why})`, { bytes: bytes.length, format }, err);
    throw bad(source, `a complete, decodable ${format} image (${why})`, { bytes: bytes.length, format }, err);
  }
}

/** The format from the first bytes: only what a camera or an ID photo uses is accepted. */
export function sniffFormat(b: Uint8Array): 'jpeg' | 'png' | 'webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}

function describe(b: Uint8Array): string {
  const head = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `${b.length} bytes starting ${head}`;
}

/** Grey images arrive with one channel: spread it to RGB. */
function toRgb(data: Buffer, channels: number): Uint8Array {
  // A plain Uint8Array view keeps the pixel loops monomorphic (pyramid levels are Uint8Arrays).
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const n = data.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    const v = data[p] as number;
    out[i * 3] = v;
    out[i * 3 + 1] = channels >= 3 ? (data[p + 1] as number) : v;
    out[i * 3 + 2] = channels >= 3 ? (data[p + 2] as number) : v;
  }
  return out;
}
