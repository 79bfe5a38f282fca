import sharp from 'sharp';
import type { Box } from './types.js';

/**
 * Booth-like versions of dataset images, made in memory: a 640x480 camera frame (letterboxed,
 * black bars) and an ID-card-like reference (head-and-shoulders crop, 102x126 px, JPEG 75).
 * Used by the evaluation, the benchmark and the tests; nothing is written to disk.
 */

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
export const ID_WIDTH = 102;
export const ID_HEIGHT = 126;

export type Variant = 'original' | 'frame640' | 'idcard';
export const VARIANTS: readonly Variant[] = ['original', 'frame640', 'idcard'];

export async function frame640(bytes: Uint8Array, quality = 90): Promise<Buffer> {
  return sharp(bytes)
    .rotate()
    .resize({ width: FRAME_WIDTH, height: FRAME_HEIGHT, fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * ICAO-style framing: the face box (from the detector on the upright image of size w x h) is
 * about 60% of the photo's height, centred a little above the middle; outside the source the
 * crop reads white, like an ID photo background.
 */
export async function idCardPhoto(
  bytes: Uint8Array,
  face: Box,
  size: { width: number; height: number },
  quality = 75,
): Promise<Buffer> {
  const fh = face.y2 - face.y1;
  const h = fh / 0.6;
  const w = (h * ID_WIDTH) / ID_HEIGHT;
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2 + 0.08 * h;
  const left = Math.round(cx - w / 2);
  const top = Math.round(cy - h / 2);
  const width = Math.round(w);
  const height = Math.round(h);
  // Extend with white where the crop leaves the image, then extract the crop.
  const pad = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    right: Math.max(0, left + width - size.width),
    bottom: Math.max(0, top + height - size.height),
  };
  // sharp runs extend before extract in one pipeline, so the padded image is a separate step.
  const padded = await sharp(bytes)
    .rotate()
    .resize({ width: size.width, height: size.height, fit: 'fill' })
    .extend({ ...pad, background: { r: 255, g: 255, b: 255 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(padded.data, { raw: { width: padded.info.width, height: padded.info.height, channels: 3 } })
    .extract({ left: left + pad.left, top: top + pad.top, width, height })
    .resize({ width: ID_WIDTH, height: ID_HEIGHT, fit: 'fill' })
    .jpeg({ quality })
    .toBuffer();
}
