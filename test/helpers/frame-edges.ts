import sharp from 'sharp';

/**
 * Mean luma (0-255) of each edge band of a JPEG frame, `band` pixels deep: a frame padded with
 * black bars reads about 0 on the padded sides, a frame the picture fills reads the picture.
 */
export async function edgeLuma(
  jpeg: Buffer,
  band = 4,
): Promise<{ top: number; bottom: number; left: number; right: number }> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  const mean = (x0: number, y0: number, x1: number, y1: number) => {
    let sum = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += data[y * info.width + x] as number;
    return sum / ((x1 - x0) * (y1 - y0));
  };
  const { width: w, height: h } = info;
  return {
    top: mean(0, 0, w, band),
    bottom: mean(0, h - band, w, h),
    left: mean(0, 0, band, h),
    right: mean(w - band, 0, w, h),
  };
}
