import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, generateKeyPair } from '../../../protocol/crypto/x509.js';
import type { SignerPem } from '../../../device/documents/index.js';
import { expect } from 'vitest';
import { isBoothError, type BoothError } from '../../../protocol/errors.js';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  decodePDFRawStream,
  type PDFHexString,
} from '@cantoo/pdf-lib';

/** Shared by the documents integration tests: a signer, a scratch folder, poppler/qpdf runs. */
export async function makeSigner(cn = 'booth-test'): Promise<SignerPem> {
  const keys = await generateKeyPair();
  const certPem = await createSelfSignedCertificate({
    subject: `CN=${cn}, O=Booth`,
    keys,
    days: 30,
    profile: 'signing',
  });
  return { keyPem: keys.privateKeyPem, certPem };
}

export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'booth-docs-'));
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Runs a tool, returning its exit status and combined output (pdfsig exits non-zero on bad signatures). */
export function tool(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export interface Gray {
  width: number;
  height: number;
  px: Uint8Array;
}

/** Renders one page to 8-bit grey at `dpi` with pdftoppm (PGM is trivial to read). */
export function renderGray(pdfPath: string, page: number, dpi: number): Gray {
  const out = join(scratch(), 'page');
  execFileSync('pdftoppm', [
    '-gray',
    '-r',
    String(dpi),
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    pdfPath,
    out,
  ]);
  const buf = readFileSync(`${out}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 50).toString('latin1'));
  if (!header) throw new Error('not a PGM');
  const [whole, w, h] = header;
  return { width: Number(w), height: Number(h), px: buf.subarray(whole.length) };
}

/** Bounding box (in PDF points, origin bottom-left) of pixels that differ between two renders. */
export function diffPixels(a: Gray, b: Gray, dpi: number): { count: number; inside: (r: Rect) => number } {
  const scale = 72 / dpi;
  const diffs: [number, number][] = [];
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const i = y * a.width + x;
      if (Math.abs((a.px[i] ?? 0) - (b.px[i] ?? 0)) > 24) diffs.push([x * scale, (a.height - y) * scale]);
    }
  return {
    count: diffs.length,
    inside: (r) =>
      diffs.filter(([x, y]) => x >= r.x - 1 && x <= r.x + r.width + 1 && y >= r.y - 1 && y <= r.y + r.height + 1)
        .length,
  };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** No window of the dynamics in the file's bytes, nor in any of its streams once decoded. */
export async function expectNowhere(pdf: Buffer, secret: Buffer): Promise<void> {
  const windows = [0, 700, 1500, secret.length - 24].map((at) => secret.subarray(at, at + 24));
  const haystacks = [pdf, ...(await decodedStreams(pdf))];
  expect(haystacks.length).toBeGreaterThan(3);
  for (const w of windows) for (const h of haystacks) expect(h.indexOf(w)).toBe(-1);
}

async function decodedStreams(pdf: Buffer): Promise<Buffer[]> {
  const doc = await PDFDocument.load(pdf);
  const out: Buffer[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects())
    if (obj instanceof PDFRawStream) {
      try {
        out.push(Buffer.from(decodePDFRawStream(obj).decode()));
      } catch {
        out.push(Buffer.from(obj.getContents()));
      }
    }
  return out;
}

export function attachments(doc: PDFDocument): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const files = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const list = files?.lookupMaybe(PDFName.of('Names'), PDFArray);
  for (let i = 0; list && i < list.size(); i += 2) {
    const spec = list.lookup(i + 1, PDFDict);
    const ef = spec.lookup(PDFName.of('EF'), PDFDict);
    const stream = ef.lookup(PDFName.of('F')) as PDFRawStream;
    const name = (spec.lookup(PDFName.of('UF')) ?? spec.lookup(PDFName.of('F'))) as PDFHexString;
    out.set(name.decodeText(), Buffer.from(decodePDFRawStream(stream).decode()));
  }
  return out;
}

/** The BoothError a promise rejects with; any other outcome fails the test. */
export async function failure(p: Promise<unknown>): Promise<BoothError> {
  try {
    await p;
  } catch (err) {
    if (isBoothError(err)) return err;
    throw err;
  }
  throw new Error('expected a BoothError, got success');
}
