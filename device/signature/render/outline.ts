import type { RenderSettings } from '../../config/sections/signature.js';
import { isInk, type Signature } from '../model.js';

/**
 * Pressure-aware ink outlines. Each stroke's pen-down samples are lightly smoothed, densified
 * along a Catmull-Rom spline, given a width from pressure, and turned into a closed outline
 * (left edge, round end cap, right edge back, round start cap) drawn with quadratic curves.
 * Pure and deterministic: numbers are rounded to 1 µm before they are printed.
 */

export interface InkPoint {
  x: number;
  y: number;
  /** Half the stroke width here (mm). */
  r: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Spacing of the densified centre line (mm): with quadratic joins, smooth at 600 dpi. */
const STEP_MM = 0.4;
/** Reports closer than this (mm) are merged: they add jitter, not shape. */
const MIN_GAP_MM = 0.03;

interface P {
  x: number;
  y: number;
  p: number;
}

function smooth(points: P[]): P[] {
  if (points.length < 3) return points;
  return points.map((pt, i) => {
    const a = points[i - 1];
    const b = points[i + 1];
    if (!a || !b) return pt;
    return { x: (a.x + 2 * pt.x + b.x) / 4, y: (a.y + 2 * pt.y + b.y) / 4, p: (a.p + 2 * pt.p + b.p) / 4 };
  });
}

function catmullRom(a: number, b: number, c: number, d: number, t: number): number {
  const t2 = t * t;
  const t3 = t2 * t;
  return 0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
}

function densify(points: P[]): P[] {
  if (points.length < 2) return points;
  const out: P[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const p0 = points[i - 1] ?? points[i]!;
    const p1 = points[i]!;
    const p2 = points[i + 1]!;
    const p3 = points[i + 2] ?? p2;
    const n = Math.max(1, Math.ceil(Math.hypot(p2.x - p1.x, p2.y - p1.y) / STEP_MM));
    for (let k = 0; k < n; k++) {
      const t = k / n;
      out.push({
        x: catmullRom(p0.x, p1.x, p2.x, p3.x, t),
        y: catmullRom(p0.y, p1.y, p2.y, p3.y, t),
        p: p1.p + (p2.p - p1.p) * t,
      });
    }
  }
  out.push(points[points.length - 1]!);
  return out;
}

/** Centre lines of every stroke in mm (tablet origin), with half-widths from pressure. */
export function inkPaths(signature: Signature, render: RenderSettings): InkPoint[][] {
  const { pointsPerMm, maxPressure } = signature.device;
  const paths: InkPoint[][] = [];
  for (const stroke of signature.strokes) {
    const raw: P[] = [];
    for (let i = stroke.start; i < stroke.end; i++) {
      const s = signature.samples[i]!;
      if (!isInk(s)) continue;
      const pt = { x: s.x / pointsPerMm, y: s.y / pointsPerMm, p: Math.min(1, s.pressure / maxPressure) };
      const last = raw[raw.length - 1];
      if (last && Math.hypot(pt.x - last.x, pt.y - last.y) < MIN_GAP_MM) last.p = Math.max(last.p, pt.p);
      else raw.push(pt);
    }
    if (raw.length === 0) continue;
    const line = densify(smooth(raw));
    const span = render.maxWidthMm - render.minWidthMm;
    paths.push(line.map((q) => ({ x: q.x, y: q.y, r: (render.minWidthMm + span * Math.pow(q.p, 0.8)) / 2 })));
  }
  return paths;
}

export function inkBounds(paths: readonly InkPoint[][]): Bounds | null {
  let b: Bounds | null = null;
  for (const path of paths)
    for (const q of path) {
      b ??= { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
      b.minX = Math.min(b.minX, q.x - q.r);
      b.minY = Math.min(b.minY, q.y - q.r);
      b.maxX = Math.max(b.maxX, q.x + q.r);
      b.maxY = Math.max(b.maxY, q.y + q.r);
    }
  return b;
}

/** 1 µm resolution; String() of a rounded number is the shortest exact form, the same on every run. */
const fmt = (v: number): string => String(Math.round(v * 1000) / 1000 + 0);

function curveThrough(points: { x: number; y: number }[]): string {
  // Quadratic segments between midpoints: a smooth curve through the outline's vertices.
  let d = '';
  for (let i = 1; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    d += `Q${fmt(a.x)} ${fmt(a.y)} ${fmt((a.x + b.x) / 2)} ${fmt((a.y + b.y) / 2)}`;
  }
  const last = points[points.length - 1]!;
  return `${d}L${fmt(last.x)} ${fmt(last.y)}`;
}

/** SVG path data of one stroke's filled outline, shifted by (dx, dy). */
export function outlinePath(path: readonly InkPoint[], dx: number, dy: number): string {
  const pts = path.map((q) => ({ x: q.x + dx, y: q.y + dy, r: q.r }));
  const first = pts[0]!;
  if (pts.length === 1) {
    const r = fmt(first.r);
    return `M${fmt(first.x - first.r)} ${fmt(first.y)}A${r} ${r} 0 1 0 ${fmt(first.x + first.r)} ${fmt(first.y)}A${r} ${r} 0 1 0 ${fmt(first.x - first.r)} ${fmt(first.y)}Z`;
  }
  const left: { x: number; y: number }[] = [];
  const right: { x: number; y: number }[] = [];
  pts.forEach((q, i) => {
    const a = pts[Math.max(0, i - 1)]!;
    const b = pts[Math.min(pts.length - 1, i + 1)]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const nx = -(b.y - a.y) / len;
    const ny = (b.x - a.x) / len;
    left.push({ x: q.x + nx * q.r, y: q.y + ny * q.r });
    right.push({ x: q.x - nx * q.r, y: q.y - ny * q.r });
  });
  const last = pts[pts.length - 1]!;
  const l0 = left[0]!;
  const rEnd = right[right.length - 1]!;
  right.reverse();
  return (
    `M${fmt(l0.x)} ${fmt(l0.y)}${curveThrough(left)}` +
    `A${fmt(last.r)} ${fmt(last.r)} 0 0 0 ${fmt(rEnd.x)} ${fmt(rEnd.y)}` +
    `${curveThrough(right)}A${fmt(first.r)} ${fmt(first.r)} 0 0 0 ${fmt(l0.x)} ${fmt(l0.y)}Z`
  );
}

export { fmt as formatMm };
