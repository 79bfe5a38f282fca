import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';
import type { Place } from '../device/documents/places.js';

/**
 * Sample inputs for the documents benchmark and tests: a generated evaluation report of N pages
 * with body text, places for several seats, and a handwritten-looking signature PNG (a sine
 * stroke on transparent ground, encoded here with zlib so no image library is needed).
 */
export const A4 = { width: 595.28, height: 841.89 } as const;

export async function makeReport(pages: number, options: { objectStreams?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = doc.addPage([A4.width, A4.height]);
    // One font resource per page, as an editor writes it (pdf-lib adds one per drawText otherwise).
    page.setFont(font);
    page.drawText(`Evaluation report - page ${i + 1} of ${pages}`, { x: 50, y: 790, size: 14 });
    for (let line = 0; line < 24; line++)
      page.drawText(`Line ${line + 1}: bidder scores, technical and commercial evaluation details.`, {
        x: 50,
        y: 750 - line * 18,
        size: 10,
        color: rgb(0.2, 0.2, 0.2),
      });
  }
  return doc.save({ useObjectStreams: options.objectStreams ?? false });
}

/** Three places per page for `seat` (signature, name, date) in a row at the bottom. */
export function placesFor(seat: string, pages: number, row = 0): Place[] {
  const places: Place[] = [];
  const y = 40 + row * 60;
  for (let p = 1; p <= pages; p++) {
    places.push({ page: p, x: 60, y, width: 150, height: 50, seat, kind: 'signature' });
    places.push({ page: p, x: 230, y: y + 10, width: 120, height: 24, seat, kind: 'name' });
    places.push({ page: p, x: 370, y: y + 10, width: 150, height: 24, seat, kind: 'date' });
  }
  return places;
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A width x height RGBA PNG: dark blue ink along a sine stroke, transparent elsewhere. */
export function makeSignaturePng(width = 400, height = 150): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let x = 0; x < width; x++) {
    const cy = height / 2 + Math.sin((x / width) * Math.PI * 4) * height * 0.3;
    for (let dy = -3; dy <= 3; dy++) {
      const y = Math.round(cy + dy);
      if (y < 0 || y >= height) continue;
      const o = y * (width * 4 + 1) + 1 + x * 4;
      raw[o] = 20;
      raw[o + 1] = 30;
      raw[o + 2] = 120;
      raw[o + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
