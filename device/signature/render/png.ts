import sharp from 'sharp';
import type { RenderSettings } from '../../config/sections/signature.js';
import { BoothError } from '../../../protocol/errors.js';
import type { Signature } from '../model.js';
import { drawSvg } from './svg.js';
import { withPngDensity } from './png-density.js';

export interface PngSize {
  /** Resolution at real size (the tablet's mm become the page's mm). Default: render.dpi. */
  dpi?: number;
  /** Exact height in pixels (width follows the aspect ratio). */
  heightPx?: number;
  /** Exact width; with heightPx too, the ink fits inside widthPx x heightPx. */
  widthPx?: number;
}

export interface RenderedPng {
  png: Buffer;
  width: number;
  height: number;
  /** Effective resolution: the stamp is widthPx / dpi inches wide at real size. */
  dpi: number;
}

const MM_PER_INCH = 25.4;

function effectiveDpi(widthMm: number, heightMm: number, size: PngSize, fallback: number): number {
  const byHeight = size.heightPx ? (size.heightPx * MM_PER_INCH) / heightMm : Infinity;
  const byWidth = size.widthPx ? (size.widthPx * MM_PER_INCH) / widthMm : Infinity;
  const fit = Math.min(byHeight, byWidth);
  return Number.isFinite(fit) ? fit : (size.dpi ?? fallback);
}

/**
 * The signature as a transparent PNG trimmed to the ink, for stamping. Deterministic: the
 * same samples and size give the same bytes (no timestamps, fixed compression settings).
 */
export async function renderPng(
  signature: Signature,
  render: RenderSettings,
  size: PngSize = {},
): Promise<RenderedPng> {
  for (const [k, v] of Object.entries(size))
    if (v !== undefined && (!Number.isFinite(v) || v <= 0 || v > 20_000))
      throw new BoothError('BOOTH_ERR_BAD_INPUT', `render size ${k}: expected a positive number up to 20000, got ${v}`);
  const drawing = drawSvg(signature, render);
  const dpi = effectiveDpi(drawing.widthMm, drawing.heightMm, size, render.dpi);
  const width = Math.max(1, Math.round((drawing.widthMm / MM_PER_INCH) * dpi));
  const height = Math.max(1, Math.round((drawing.heightMm / MM_PER_INCH) * dpi));
  if (width * height > 100_000_000)
    throw new BoothError(
      'BOOTH_ERR_BAD_INPUT',
      `render size: ${width}x${height} px is too large; expected at most 100 Mpx`,
    );
  // Sized in pixels (viewBox still in mm) so librsvg draws exactly width x height: no resample.
  const svg = drawing.svg.replace(/width="[\d.]+mm" height="[\d.]+mm"/, `width="${width}" height="${height}"`);
  // zlib level 2: a quarter faster than the default 6 for a few % more bytes; the PDF re-deflates
  // the pixels anyway, so the stamped document does not grow.
  const raw = await sharp(Buffer.from(svg)).png({ compressionLevel: 2, adaptiveFiltering: false }).toBuffer();
  const png = withPngDensity(raw, dpi);
  return { png, width, height, dpi };
}
