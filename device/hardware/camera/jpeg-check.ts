import sharp from 'sharp';
import { BoothError } from '../../../protocol/errors.js';

// A camera frame is at most a few megapixels; refuse anything bigger before decoding it.
const MAX_PIXELS = 4096 * 4096;

/**
 * Checks that bytes are a complete, decodable JPEG and returns its size. Truncated files,
 * error text on stdout (fswebcam prints its errors there on some builds) and other formats
 * are refused with BOOTH_ERR_CAMERA_BAD_IMAGE.
 */
export async function checkJpeg(bytes: Buffer, source: string): Promise<{ width: number; height: number }> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw new BoothError(
      'BOOTH_ERR_CAMERA_BAD_IMAGE',
      `${source}: expected a JPEG image, got ${describeBytes(bytes)}`,
      {
        bytes: bytes.length,
      },
    );
  }
  try {
    const image = sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_PIXELS });
    const { info } = await image.raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height };
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_CAMERA_BAD_IMAGE',
      `${source}: JPEG does not decode (${err instanceof Error ? err.message : String(err)})`,
      { bytes: bytes.length },
    );
  }
}

function describeBytes(bytes: Buffer): string {
  if (bytes.length === 0) return 'no bytes';
  const printable = bytes
    .subarray(0, 60)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `${bytes.length} bytes starting "${printable}"`;
}
