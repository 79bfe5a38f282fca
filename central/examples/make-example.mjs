// Writes the example plan's PDFs and places files (central/examples/day-plan/pdfs/), the same
// bytes every run. The CSV files and plan.json beside them are written by hand; the photos are
// copies of test/fixtures/session/faces (see day-plan/SOURCE.md).
// Run from the repository root: node central/examples/make-example.mjs
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';

const out = join(dirname(fileURLToPath(import.meta.url)), 'day-plan', 'pdfs');
const A4 = [595, 842];
/** Where seat s signs on every page: a row of boxes at the bottom of the page. */
const box = (seat) => ({ x: 60 + (seat - 1) * 165, y: 60, width: 150, height: 50 });

async function report({ title, pages, seats, form }) {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const fields = form ? Array.from({ length: seats }, (_, i) => doc.getForm().createTextField(`sig.${i + 1}`)) : [];
  for (let n = 1; n <= pages; n++) {
    const page = doc.addPage(A4);
    page.drawText(`${title}`, { x: 60, y: 780, size: 16, font });
    page.drawText(`Example evaluation report (synthetic content) - page ${n} of ${pages}`, {
      x: 60,
      y: 755,
      size: 10,
      font,
    });
    for (let line = 0; line < 20; line++)
      page.drawText(`Clause ${n}.${line + 1}: the committee reviewed the bids against the published criteria.`, {
        x: 60,
        y: 700 - line * 22,
        size: 9,
        font,
      });
    for (let s = 1; s <= seats; s++) {
      const b = box(s);
      page.drawRectangle({ ...b, borderColor: rgb(0.6, 0.6, 0.6), borderWidth: 0.5 });
      page.drawText(`Seat ${s}`, { x: b.x, y: b.y + b.height + 4, size: 8, font });
      // A form field per seat with a widget on every page: the booth reads them as places.
      fields[s - 1]?.addToPage(page, { ...b, borderWidth: 0 });
    }
  }
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  doc.setProducer('booth central/examples/make-example.mjs');
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function placesFile(pages, seats) {
  const places = [];
  for (let page = 1; page <= pages; page++)
    for (let seat = 1; seat <= seats; seat++)
      places.push({ page, seat: String(seat), kind: 'signature', ...box(seat) });
  return `${JSON.stringify({ version: 1, places })}\n`;
}

const files = {
  'p1-report.pdf': await report({ title: 'P-2026-101 Evaluation report', pages: 96, seats: 3 }),
  'p1-report.places.json': placesFile(96, 3),
  'p1-annex.pdf': await report({ title: 'P-2026-101 Annex: scores', pages: 2, seats: 3, form: true }),
  'p2-report.pdf': await report({ title: 'P-2026-102 Evaluation report', pages: 3, seats: 2 }),
  'p3-report.pdf': await report({ title: 'P-2026-201 Evaluation report', pages: 4, seats: 2, form: true }),
  'p4-report.pdf': await report({ title: 'P-2026-301 Evaluation report', pages: 5, seats: 3 }),
  'p4-report.places.json': placesFile(5, 3),
};
for (const [name, bytes] of Object.entries(files)) await writeFile(join(out, name), bytes);
process.stdout.write(`wrote ${Object.keys(files).length} files to ${out}\n`);
