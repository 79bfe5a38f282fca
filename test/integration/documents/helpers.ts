import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, generateKeyPair } from '../../../protocol/crypto/x509.js';
import type { SignerPem } from '../../../device/documents/index.js';

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
