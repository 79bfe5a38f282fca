import sharp from 'sharp';
import { lumaStats } from '../../device/face/raster.js';

/**
 * Mean luma (0-255) of each edge band of a JPEG frame, `band` pixels deep: a frame padded with
 * black bars reads about 0 on the padded sides, a frame the picture fills reads the picture.
 */
export async function edgeLuma(
  jpeg: Buffer,
  band = 4,
): Promise<{ top: number; bottom: number; left: number; right: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const img = { data, width: info.width, height: info.height };
  const { width: w, height: h } = info;
  const mean = (x1: number, y1: number, x2: number, y2: number) => lumaStats(img, { x1, y1, x2, y2 }).mean;
  return {
    top: mean(0, 0, w, band),
    bottom: mean(0, h - band, w, h),
    left: mean(0, 0, band, h),
    right: mean(w - band, 0, w, h),
  };
}
