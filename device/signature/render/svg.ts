import type { RenderSettings } from '../../config/sections/signature.js';
import { BoothError } from '../../../protocol/errors.js';
import type { Signature } from '../model.js';
import { formatMm, inkBounds, inkPaths, outlinePath } from './outline.js';

/** Transparent margin around the ink (mm): keeps anti-aliased edges inside the image. */
const MARGIN_MM = 0.1;

export interface SvgDrawing {
  svg: string;
  widthMm: number;
  heightMm: number;
}

/**
 * The signature as a standalone SVG at real size (width/height in mm), trimmed to the ink.
 * Same samples, same settings -> same string.
 */
export function drawSvg(signature: Signature, render: RenderSettings): SvgDrawing {
  const paths = inkPaths(signature, render);
  const b = inkBounds(paths);
  if (!b)
    throw new BoothError(
      'BOOTH_ERR_SIGNATURE_EMPTY',
      'signature has no ink to render: expected at least one pen-down sample',
    );
  const dx = MARGIN_MM - b.minX;
  const dy = MARGIN_MM - b.minY;
  const w = Number(formatMm(b.maxX - b.minX + 2 * MARGIN_MM));
  const h = Number(formatMm(b.maxY - b.minY + 2 * MARGIN_MM));
  const d = paths.map((p) => outlinePath(p, dx, dy)).join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}mm" height="${h}mm" viewBox="0 0 ${w} ${h}">` +
    `<path fill="${render.color}" fill-rule="nonzero" d="${d}"/></svg>\n`;
  return { svg, widthMm: w, heightMm: h };
}

export function renderSvg(signature: Signature, render: RenderSettings): string {
  return drawSvg(signature, render).svg;
}
