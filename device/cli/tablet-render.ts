import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { EXIT } from './command.js';
import { configOrExit, parseWith, UsageError } from './config-args.js';
import { positiveArg, protocolArg } from './tablet-args.js';
import { BoothError } from '../../protocol/errors.js';
import { parseSamplesFile } from '../signature/samples-file.js';
import { decodeRecording } from '../signature/recording.js';
import { checkValidity } from '../signature/validity.js';
import { renderPng } from '../signature/render/png.js';
import { renderSvg } from '../signature/render/svg.js';
import type { Signature } from '../signature/model.js';
import type { BoothConfig } from '../config/schema.js';

async function loadSignature(path: string, protocol: string | undefined, config: BoothConfig): Promise<Signature> {
  const bytes = await readFile(path);
  if (extname(path).toLowerCase() !== '.json') {
    const s = config.signature;
    return decodeRecording(bytes, {
      protocol: protocolArg(protocol, s.protocol),
      baudRate: config.hardware.tablet.baudRate,
      device: { maxX: s.maxX, maxY: s.maxY, maxPressure: s.maxPressure, pointsPerMm: s.pointsPerMm, version: null },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `${path}: expected JSON (${(err as Error).message})`);
  }
  return parseSamplesFile(json, path);
}

/**
 * `booth tablet render IN OUT`: a samples file (or a raw recording) to PNG or SVG with the
 * booth's render settings. Prints one JSON summary (size, validity) on stdout.
 */
export async function renderCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseWith(
    argv,
    {
      dpi: { type: 'string' },
      height: { type: 'string' },
      width: { type: 'string' },
      protocol: { type: 'string' },
      config: { type: 'string' },
    },
    true,
  );
  const [input, output] = positionals;
  if (!input || !output || positionals.length !== 2) throw new UsageError('expected an input file and an output file');
  const kind = extname(output).toLowerCase();
  if (kind !== '.png' && kind !== '.svg') throw new UsageError('output: expected a .png or .svg file name');
  const loaded = await configOrExit({ ...(values.config ? { config: values.config } : {}) });
  if ('exit' in loaded) return loaded.exit;
  const { config } = loaded;
  const signature = await loadSignature(input, values.protocol, config);
  const render = config.signature.render;
  const validity = checkValidity(signature.samples, signature.strokes, signature.device, config.signature.validity);
  let size: { width: number; height: number; dpi: number } | { widthMm: number; heightMm: number };
  if (kind === '.svg') {
    const svg = renderSvg(signature, render);
    await writeFile(output, svg);
    const [, w, h] = /width="([\d.]+)mm" height="([\d.]+)mm"/.exec(svg) ?? [];
    size = { widthMm: Number(w), heightMm: Number(h) };
  } else {
    const dpi = positiveArg('dpi', values.dpi);
    const heightPx = positiveArg('height', values.height);
    const widthPx = positiveArg('width', values.width);
    const png = await renderPng(signature, render, {
      ...(dpi ? { dpi } : {}),
      ...(heightPx ? { heightPx } : {}),
      ...(widthPx ? { widthPx } : {}),
    });
    await writeFile(output, png.png);
    size = { width: png.width, height: png.height, dpi: Math.round(png.dpi * 100) / 100 };
  }
  process.stdout.write(
    `${JSON.stringify({ output, ...size, samples: signature.samples.length, strokes: signature.strokes.length, valid: validity.valid, reasons: validity.reasons })}\n`,
  );
  return EXIT.ok;
}
