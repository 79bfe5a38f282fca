import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../../device/face/decode.js';
import type { FaceEngine } from '../../../device/face/engine.js';
import type { RgbImage } from '../../../device/face/types.js';
import { idCardPhoto } from '../../../device/face/variants.js';
import { landmarks68 } from '../../../device/face/stages.js';
import { FACES } from '../face/helpers.js';

/**
 * Simulated challenge frames from the dataset's still photos (docs/face.md, active challenge).
 * Closed eyes: the closed-lid proxy of the eye-model check applied to a whole frame: around
 * each eye (landmarks 36-41 and 42-47) every row is replaced by the row just above the eye (the
 * upper lid), with a darker lash line across the middle. The eye model calls 21 of the 25
 * master.csv faces closed this way; the others stay "open" and are still same-person frames.
 */

export const readFace = (name: string): Promise<Buffer> => readFile(resolve(FACES, name));

export async function closeEyes(engine: FaceEngine, jpeg: Buffer): Promise<Buffer> {
  const a = await engine.analyse(jpeg, 'live');
  if (!a.face) throw new Error('closeEyes: no face in the frame');
  const img = await decodeImage(jpeg, engine.settings.decode);
  const p = await landmarks68(engine.inference, img, a.face.box);
  const data = Buffer.from(img.data);
  const at = (x: number, y: number) => (Math.min(img.height - 1, Math.max(0, y)) * img.width + x) * 3;
  for (const [from, to] of [
    [36, 41],
    [42, 47],
  ] as const) {
    const pts = p.slice(from, to + 1);
    const xs = pts.map((q) => q.x);
    const w = Math.max(...xs) - Math.min(...xs);
    const cy = pts.reduce((s, q) => s + q.y, 0) / pts.length;
    const x1 = Math.max(0, Math.floor(Math.min(...xs) - 0.25 * w));
    const x2 = Math.min(img.width - 1, Math.ceil(Math.max(...xs) + 0.25 * w));
    const y1 = Math.floor(cy - 0.4 * w);
    const y2 = Math.ceil(cy + 0.3 * w);
    for (let y = y1; y <= y2; y++)
      for (let x = x1; x <= x2; x++) data.copyWithin(at(x, y), at(x, y1 - 1), at(x, y1 - 1) + 3);
    const lash = Math.round(cy + 0.1 * w);
    for (let x = Math.round(x1 + 0.2 * w); x <= Math.round(x2 - 0.2 * w); x++)
      for (let c = 0; c < 3; c++) data[at(x, lash) + c] = (data[at(x, lash) + c] as number) >> 1;
  }
  return toJpeg({ data, width: img.width, height: img.height });
}

/** The photo as a roster reference: ID-card size (102x126, JPEG 75), the booth's usual case. */
export async function idCardOf(engine: FaceEngine, photo: Buffer): Promise<Buffer> {
  const found = await engine.analyse(photo, 'reference');
  if (!found.face) throw new Error('idCardOf: no face in the photo');
  return idCardPhoto(photo, found.face.box, { width: found.width, height: found.height });
}

function toJpeg(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
