/**
 * Signature benchmark: ISDV4 parser throughput and the time to render a 1,000-sample signature
 * (SVG and a 300 dpi PNG via sharp), plus the 19794-7 export. Prints ONE JSON object.
 * Run: npm run bench:signature. Medians of repeated runs; the machine is shared, so compare
 * ratios from the same run rather than absolute numbers across runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { hostPaths } from '../device/paths.js';
import { isdv4 } from '../device/signature/protocol/isdv4.js';
import { decodeRecording } from '../device/signature/recording.js';
import { segmentStrokes, type Sample, type Signature } from '../device/signature/model.js';
import { renderPng } from '../device/signature/render/png.js';
import { renderSvg } from '../device/signature/render/svg.js';
import { toIso19794_7 } from '../device/signature/iso19794-7.js';
import { signatureSettings } from '../device/signature/settings.js';

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

interface Timing {
  wall: number[];
  /** CPU time of this process (all threads, so sharp's too): less inflated by other load. */
  cpu: number[];
}

async function time(runs: number, fn: () => unknown): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up: JIT, sharp's first load
  const t: Timing = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    t.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    t.cpu.push((c.user + c.system) / 1000);
  }
  return t;
}

const summary = (t: Timing) => ({
  p50: round(quantile(t.wall, 0.5)),
  p95: round(quantile(t.wall, 0.95)),
  cpuP50: round(quantile(t.cpu, 0.5)),
});

const recording = readFileSync(join(hostPaths().fixturesDir, 'demo', 'tablet', 'signature.isdv4'));
const settings = signatureSettings();

// Parser: the demo recording repeated to ~4 MB, fed in 64-byte chunks like a serial driver.
const big = Buffer.concat(Array.from({ length: Math.ceil(4_000_000 / recording.length) }, () => recording));
let packets = 0;
const parse = await time(7, () => {
  const parser = isdv4.createParser();
  packets = 0;
  for (let o = 0; o < big.length; o += 64) packets += parser.push(big.subarray(o, o + 64)).length;
});

// A 1,000-sample signature: the demo signature followed by a shifted copy of its start.
const demo = decodeRecording(recording, {
  protocol: isdv4,
  baudRate: 38_400,
  device: {
    maxX: settings.maxX,
    maxY: settings.maxY,
    maxPressure: settings.maxPressure,
    pointsPerMm: 100,
    version: null,
  },
});
const last = demo.samples[demo.samples.length - 1]!;
const extra: Sample[] = demo.samples
  .slice(0, 1000 - demo.samples.length)
  .map((s) => ({ ...s, x: s.x + 800, y: s.y + 2500, t: s.t + last.t + 200 }));
const samples = [...demo.samples, ...extra];
const sig: Signature = { ...demo, samples, strokes: segmentStrokes(samples) };

const svg = await time(30, () => renderSvg(sig, settings.render));
const png = await time(30, () => renderPng(sig, settings.render, { dpi: 300 }));
const pngSmall = await time(30, () => renderPng(sig, settings.render, { heightPx: 150 }));
const iso = await time(30, () => toIso19794_7(sig));
const rendered = await renderPng(sig, settings.render, { dpi: 300 });

const parseMedian = quantile(parse.wall, 0.5);
console.log(
  JSON.stringify({
    bench: 'signature',
    // Context for the numbers: the VM is shared, a load above the core count inflates every time.
    machine: { cores: cpus().length, loadAvg1m: round(loadavg()[0] ?? 0) },
    parser: {
      bytes: big.length,
      packets,
      medianMs: round(parseMedian),
      mbPerS: round(big.length / 1e6 / (parseMedian / 1000)),
      packetsPerS: Math.round(packets / (parseMedian / 1000)),
      // A 38400-baud line carries at most 3840 bytes/s: the parser's headroom over the line.
      timesLineRate: Math.round(big.length / (parseMedian / 1000) / 3840),
    },
    render1000Samples: {
      samples: samples.length,
      strokes: sig.strokes.length,
      svgMs: summary(svg),
      png300dpiMs: { ...summary(png), width: rendered.width, height: rendered.height },
      png150pxMs: summary(pngSmall),
      targetP50Ms: 20,
    },
    iso19794_7: { bytes: toIso19794_7(sig).length, p50Ms: round(quantile(iso.wall, 0.5), 3) },
  }),
);
