import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import { renderPng } from '../../../device/signature/render/png.js';
import { renderSvg } from '../../../device/signature/render/svg.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import { toSamplesFile } from '../../../device/signature/samples-file.js';
import { FIXTURES, demoSignature, line, signatureOf } from './builders.js';

const render = signatureSettings().render;
const EXPECTED = join(FIXTURES, 'signature');
// UPDATE_EXPECTED=1 rewrites the checked-in images (then look at them before committing).
const update = process.env.UPDATE_EXPECTED === '1';

async function alphaBox(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let minX = Infinity,
    minY = Infinity,
    maxX = -1,
    maxY = -1,
    inked = 0;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * info.channels + 3]! > 0) {
        inked++;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  return { minX, minY, maxX, maxY, inked, info, data };
}

describe('signature rendering', () => {
  const sig = demoSignature();

  it('matches the checked-in SVG and PNG of the demo signature', async () => {
    const svg = renderSvg(sig, render);
    const { png } = await renderPng(sig, render, { dpi: 300 });
    if (update || !existsSync(join(EXPECTED, 'expected.svg'))) {
      writeFileSync(join(EXPECTED, 'demo-samples.json'), `${JSON.stringify(toSamplesFile(sig))}\n`);
      writeFileSync(join(EXPECTED, 'expected.svg'), svg);
      writeFileSync(join(EXPECTED, 'expected.png'), png);
    }
    expect(svg).toBe(readFileSync(join(EXPECTED, 'expected.svg'), 'utf8'));
    // Pixels, not bytes: a zlib upgrade may change the compressed bytes of identical pixels.
    const [got, want] = await Promise.all(
      [png, readFileSync(join(EXPECTED, 'expected.png'))].map((b) => sharp(b).raw().toBuffer()),
    );
    expect(got!.equals(want!)).toBe(true);
  });

  it('is deterministic: same samples, same bytes', async () => {
    const a = await renderPng(sig, render, { heightPx: 180 });
    const b = await renderPng(demoSignature(), render, { heightPx: 180 });
    expect(a.png.equals(b.png)).toBe(true);
    expect(renderSvg(sig, render)).toBe(renderSvg(demoSignature(), render));
  });

  it('draws smooth filled outlines, not a polyline of the raw points', () => {
    const svg = renderSvg(sig, render);
    expect(svg).not.toMatch(/polyline|stroke-width/);
    expect(svg).toMatch(/<path fill="#000000" fill-rule="nonzero" d="M[^"]*Q[^"]*A[^"]*Z/);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="[\d.]+mm" height="[\d.]+mm"/);
  });

  it('PNG: transparent background, trimmed to the ink, at the requested DPI or height', async () => {
    const at300 = await renderPng(sig, render, { dpi: 300 });
    const box = await alphaBox(at300.png);
    expect(box.info.channels).toBe(4);
    const { data, info } = box;
    for (const [x, y] of [
      [0, 0],
      [info.width - 1, 0],
      [0, info.height - 1],
      [info.width - 1, info.height - 1],
    ])
      expect(data[(y! * info.width + x!) * 4 + 3]).toBe(0);
    // Ink reaches within 2 px of every edge (0.1 mm margin = 1.2 px at 300 dpi).
    expect(box.minX).toBeLessThanOrEqual(2);
    expect(box.minY).toBeLessThanOrEqual(2);
    expect(box.maxX).toBeGreaterThanOrEqual(info.width - 3);
    expect(box.maxY).toBeGreaterThanOrEqual(info.height - 3);

    const at600 = await renderPng(sig, render, { dpi: 600 });
    expect(Math.abs(at600.width - 2 * at300.width)).toBeLessThanOrEqual(1);
    expect((await sharp(at600.png).metadata()).density).toBe(600);

    const tall = await renderPng(sig, render, { heightPx: 120 });
    expect(tall.height).toBe(120);
    expect((await sharp(tall.png).metadata()).height).toBe(120);
    const boxed = await renderPng(sig, render, { widthPx: 300, heightPx: 300 });
    expect(boxed.width).toBe(300);
    expect(boxed.height).toBeLessThanOrEqual(300);
  });

  it('ink width follows pressure', async () => {
    const light = signatureOf(line({ from: [3000, 5000], to: [9000, 5000], n: 40, ms: 500, pressure: 100 }));
    const heavy = signatureOf(line({ from: [3000, 5000], to: [9000, 5000], n: 40, ms: 500, pressure: 1000 }));
    const [a, b] = await Promise.all([light, heavy].map((s) => renderPng(s, render, { dpi: 300 })));
    expect(b!.height).toBeGreaterThan(a!.height * 1.6); // 0.9 mm vs 0.35 mm, plus the same margins
  });

  it('refuses to render no ink or an absurd size, with coded errors', async () => {
    const hover = signatureOf(line({ from: [0, 0], to: [100, 0], n: 5, ms: 50, tip: false }));
    expect(() => renderSvg(hover, render)).toThrow(expect.objectContaining({ code: 'BOOTH_ERR_SIGNATURE_EMPTY' }));
    await renderPng(sig, render, { heightPx: -3 }).then(
      () => expect.unreachable(),
      (err: unknown) => expect(isBoothError(err, 'BOOTH_ERR_BAD_INPUT')).toBe(true),
    );
  });
});
