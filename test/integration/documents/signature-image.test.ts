import { deflateSync, createDeflate } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeReport, makeSignaturePng, placesFor, pngChunk } from '../../../bench/documents-samples.js';
import { stampAndSeal, type SignerPem, type StampRequest } from '../../../device/documents/index.js';
import {
  checkSignatureImage,
  rawImageBytes,
  SIGNATURE_IMAGE_LIMITS,
} from '../../../device/documents/signature-image.js';
import { renderPng } from '../../../device/signature/render/png.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import { demoSignature } from '../../unit/signature/builders.js';
import { failure, makeSigner } from './helpers.js';

/**
 * Issue 16: the signature image is checked before pdf-lib decodes it. A 76 KB PNG announcing
 * 20000x20000 px took 42 s and 3.3 GB and was embedded at that size; a white or transparent
 * image was sealed as a signature.
 */
let signer: SignerPem;
let report: Uint8Array;

beforeAll(async () => {
  signer = await makeSigner();
  report = await makeReport(2);
});

const request = (signaturePng: Uint8Array): StampRequest => ({
  pdf: report,
  places: placesFor('A', 2),
  seat: 'A',
  signaturePng,
  name: '张伟',
  action: 'sign',
  recordId: 'REC-IMG',
  project: '图像检查',
  signer,
  now: new Date('2026-11-26T02:30:00Z'),
});

function png(width: number, height: number, colorType: number, bitDepth: number, idat: Buffer, extra: Buffer[] = []) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...extra,
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deflates `rows` zero rows of `rowBytes` without holding them all (the 20000 px case). */
async function deflateZeros(rowBytes: number, rows: number): Promise<Buffer> {
  const z = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const row = Buffer.alloc(rowBytes);
  for (let i = 0; i < rows; i++) if (!z.write(row)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  return Buffer.concat(out);
}

/** An RGBA image of one colour. */
function solid(width: number, height: number, rgba: [number, number, number, number]): Buffer {
  const row = Buffer.alloc(1 + width * 4);
  for (let x = 0; x < width; x++) row.set(rgba, 1 + x * 4);
  return png(width, height, 6, 8, deflateSync(Buffer.concat(Array.from({ length: height }, () => row))));
}

describe('signature image gate', () => {
  it('a small PNG announcing 20000x20000 px is refused from its header, never decoded', async () => {
    // 1-bit grey, every row zero: about 50 KB on disk, 1.6 GB once pdf-lib expands it to RGBA.
    const bomb = png(20_000, 20_000, 0, 1, await deflateZeros(1 + 20_000 / 8, 20_000));
    expect(bomb.length).toBeLessThan(100_000);
    const err = await failure(stampAndSeal(request(bomb)));
    expect(err.code).toBe('BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE');
    // From the IHDR check: the pixels were never inflated nor decoded.
    expect(err.details).toMatchObject({ stage: 'header', width: 20_000, height: 20_000 });
  });

  it('one side over the limit is refused even when the pixel count is small', async () => {
    const long = png(SIGNATURE_IMAGE_LIMITS.maxSide + 1, 1, 0, 1, deflateSync(Buffer.alloc(1 + 1025)));
    expect((await failure(stampAndSeal(request(long)))).code).toBe('BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE');
  });

  it('a file over the byte limit is refused before its header is read', async () => {
    const big = Buffer.concat([makeSignaturePng(), Buffer.alloc(SIGNATURE_IMAGE_LIMITS.maxBytes)]);
    const err = await failure(stampAndSeal(request(big)));
    expect(err.code).toBe('BOOTH_ERR_SIGNATURE_IMAGE_TOO_LARGE');
    expect(err.details).toMatchObject({ stage: 'bytes' });
  });

  it('image data that inflates past what the header announces is refused (decompression bomb)', async () => {
    // 100x100 px announced, 64 MB of zeros deflated (~64 KB): the decoder would inflate it all.
    const bomb = png(100, 100, 6, 8, await deflateZeros(1024 * 1024, 64));
    const err = await failure(stampAndSeal(request(bomb)));
    expect(err.code).toBe('BOOTH_ERR_BAD_INPUT');
    expect(err.message).toMatch(/inflates to more than/);
  });

  it('compressed text and animation chunks are refused', async () => {
    const actl = pngChunk('acTL', Buffer.from([0, 0, 0, 1000, 0, 0, 0, 0]));
    const sig = makeSignaturePng();
    const withActl = Buffer.concat([sig.subarray(0, 33), actl, sig.subarray(33)]);
    const err = await failure(stampAndSeal(request(withActl)));
    expect(err.code).toBe('BOOTH_ERR_BAD_INPUT');
    expect(err.message).toMatch(/acTL/);
  });

  it.each([
    ['all white', [255, 255, 255, 255]],
    ['fully transparent (black pixels, alpha 0)', [0, 0, 0, 0]],
    ['nearly white', [240, 240, 240, 255]],
  ] as const)('an image with no visible ink is refused: %s', async (_what, rgba) => {
    const err = await failure(stampAndSeal(request(solid(300, 100, [...rgba]))));
    expect(err.code).toBe('BOOTH_ERR_SIGNATURE_BLANK');
    expect(err.details).toMatchObject({ ink: 0 });
  });

  it('a white opaque image with a signature drawn on it passes', async () => {
    const width = 300;
    const height = 100;
    const row = (y: number) => {
      const r = Buffer.alloc(1 + width * 3, 255);
      r[0] = 0;
      if (y >= 45 && y < 55) for (let x = 20; x < 280; x++) r.fill(10, 1 + x * 3, 4 + x * 3);
      return r;
    };
    const image = png(
      width,
      height,
      2,
      8,
      deflateSync(Buffer.concat(Array.from({ length: height }, (_, y) => row(y)))),
    );
    const r = await checkSignatureImage(image);
    expect(r.ink).toBe(260 * 10);
  });

  it('what the booth renders passes: the stamp size and a full 300 dpi render', async () => {
    const render = signatureSettings().render;
    for (const size of [{ heightPx: 240 }, { dpi: 300 }]) {
      const { png: rendered } = await renderPng(demoSignature(), render, size);
      const r = await checkSignatureImage(rendered);
      expect(r.ink).toBeGreaterThan(SIGNATURE_IMAGE_LIMITS.minInkPixels);
    }
    expect((await checkSignatureImage(makeSignaturePng())).ink).toBeGreaterThan(1000);
  });

  it('counts the scanline bytes of interlaced images exactly', () => {
    // 3x3 RGBA Adam7: passes 1, 2(none: x starts at 4), 3(none: y starts at 4), 4 (x=2), 5 (y=2), 6 (x=1), 7 (y=1)
    expect(rawImageBytes({ width: 3, height: 3, bitDepth: 8, colorType: 6, interlace: 1 })).toBe(
      1 * (1 + 4) + 1 * (1 + 4) + 1 * (1 + 8) + 2 * (1 + 4) + 1 * (1 + 12),
    );
    expect(rawImageBytes({ width: 10, height: 2, bitDepth: 1, colorType: 0, interlace: 0 })).toBe(2 * 3);
  });
});
