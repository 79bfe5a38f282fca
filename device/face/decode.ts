import sharp from 'sharp';
import { BoothError } from '../core/errors.js';
import type { RgbImage } from './types.js';

/**
 * Image bytes -> upright RGB pixels in memory. Untrusted input: the size is checked before the
 * decoder allocates anything, formats are limited to what a camera or an ID photo uses, and
 * every failure is a BOOTH_ERR_FACE_BAD_IMAGE saying what was expected. Nothing is written to
 * disk (sharp works on the buffer).
 */

export interface DecodeLimits {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels: number;
  /** Refuse inputs larger than this many bytes. */
  maxBytes: number;
  /** Larger images are downscaled on decode so the long side is at most this (memory bound). */
  maxSide: number;
}

const FORMATS = new Set(['jpeg', 'png', 'webp']);

function bad(source: string, expected: string, details: Record<string, unknown> = {}, cause?: unknown): BoothError {
  return new BoothError('BOOTH_ERR_FACE_BAD_IMAGE', `${source}: expected ${expected}`, details, { cause });
}

export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits, source = 'image'): Promise<RgbImage> {
  if (bytes.length === 0) throw bad(source, 'a JPEG, PNG or WebP image, got 0 bytes', { bytes: 0 });
  if (bytes.length > limits.maxBytes)
    throw bad(source, `at most ${limits.maxBytes} bytes, got ${bytes.length}`, { bytes: bytes.length });
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw bad(source, 'a JPEG, PNG or WebP image (not an image or unreadable header)', { bytes: bytes.length }, err);
  }
  if (!meta.format || !FORMATS.has(meta.format))
    throw bad(source, `a JPEG, PNG or WebP image, got ${meta.format ?? 'unknown format'}`, { format: meta.format });
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > limits.maxPixels || width === 0 || height === 0)
    throw bad(source, `at most ${limits.maxPixels} pixels, got ${width}x${height}`, { width, height });
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
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw bad(source, `a complete, decodable image (${why})`, { bytes: bytes.length }, err);
  }
}

function toRgb(data: Buffer, channels: number): Uint8Array {
  if (channels === 3) return data;
  const n = data.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = data[i * channels] as number;
    out[i * 3] = channels >= 3 ? v : v;
    out[i * 3 + 1] = channels >= 3 ? (data[i * channels + 1] as number) : v;
    out[i * 3 + 2] = channels >= 3 ? (data[i * channels + 2] as number) : v;
  }
  return out;
}

/**
 * Re-encodes an in-memory image (used to make ID-card-sized references and letterboxed frames
 * for the evaluation and the benchmark; the result stays in memory).
 */
export async function encodeJpeg(img: RgbImage, quality = 90): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** Letterboxes an image into a w x h JPEG (grey bars), as a booth camera frame would look. */
export async function letterboxJpeg(bytes: Uint8Array, width: number, height: number, quality = 90): Promise<Buffer> {
  return sharp(bytes)
    .rotate()
    .resize({ width, height, fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .jpeg({ quality })
    .toBuffer();
}

/** Downscales to fit w x h (keeping aspect) and JPEG-compresses: an ID-card-like reference photo. */
export async function smallReference(bytes: Uint8Array, width: number, height: number, quality = 75): Promise<Buffer> {
  return sharp(bytes).rotate().resize({ width, height, fit: 'cover' }).jpeg({ quality }).toBuffer();
}
