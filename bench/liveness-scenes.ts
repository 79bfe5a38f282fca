/**
 * Synthetic camera frames for the presentation-attack bench (bench/liveness.ts), from still
 * photos: a genuine person who blinks and turns, a printed photo held in hand, a screen replay
 * of a genuine sequence, and a photo with cut-out eyes. Everything is raw RGB in memory.
 *
 * How each is made, and what it cannot show, is in docs/face.md ("Presentation-attack
 * evaluation"). Randomness comes from an injected seeded source, so a run is repeatable.
 */
import sharp from 'sharp';
import type { Point, RgbImage } from '../device/face/types.js';

export type Rand = () => number;

/** Mulberry32: a small seeded generator (the bench must be repeatable). */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const uniform = (r: Rand, lo: number, hi: number) => lo + (hi - lo) * r();
const gauss = (r: Rand) => Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
const smooth = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** What the bench knows of a source photo at 640x480: face box centre and size, 68 landmarks. */
export interface FaceGeometry {
  cx: number;
  cy: number;
  w: number;
  h: number;
  points: readonly Point[];
}

/** Bilinear sample of channel c at (x, y); outside reads `outside`. */
function sample(img: RgbImage, x: number, y: number, c: number, outside = -1): number {
  if (x < 0 || y < 0 || x > img.width - 1 || y > img.height - 1) return outside;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(img.width - 1, x0 + 1);
  const y1 = Math.min(img.height - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const d = img.data;
  const i00 = (y0 * img.width + x0) * 3 + c;
  const i01 = (y0 * img.width + x1) * 3 + c;
  const i10 = (y1 * img.width + x0) * 3 + c;
  const i11 = (y1 * img.width + x1) * 3 + c;
  return (
    ((d[i00] as number) * (1 - fx) + (d[i01] as number) * fx) * (1 - fy) +
    ((d[i10] as number) * (1 - fx) + (d[i11] as number) * fx) * fy
  );
}

/**
 * Eyelids closing by `closure` (0 open, 1 shut) on a copy of the image: above a lid line that
 * moves from the upper lid to below the eye, the eye is covered by the upper-lid skin of its
 * own column (the row above the lid crease), blended toward the cheek's skin tone and shaded
 * toward the lid edge, with lashes along the edge; an elliptical, feathered mask keeps the
 * corners soft. 68-point indices 36-41 and 42-47.
 */
export function closeEyes(img: RgbImage, points: readonly Point[], closure: number): RgbImage {
  if (closure <= 0.02) return img;
  const data = Uint8Array.from(img.data);
  const out = { data, width: img.width, height: img.height };
  for (const from of [36, 42]) {
    const eye = points.slice(from, from + 6);
    const xl = (eye[0] as Point).x;
    const xr = (eye[3] as Point).x;
    const w = Math.max(4, xr - xl);
    const cx = (xl + xr) / 2;
    const top = Math.min((eye[1] as Point).y, (eye[2] as Point).y);
    const bottom = Math.max((eye[4] as Point).y, (eye[5] as Point).y);
    const cy = (top + bottom) / 2;
    const ax = 0.68 * w;
    const ay = Math.max(0.42 * w, (bottom - top) / 2 + 0.22 * w);
    const crease = Math.round(top - 0.28 * w);
    const lidFrom = top - 0.12 * w;
    const lidTo = bottom + 0.08 * w;
    const lid = lidFrom + closure * (lidTo - lidFrom);
    // Skin tone of the cheek below the eye.
    const skin = [0, 0, 0];
    let n = 0;
    for (let y = Math.round(bottom + 0.3 * w); y <= Math.round(bottom + 0.5 * w); y++)
      for (let x = Math.round(xl); x <= Math.round(xr); x++) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        for (let c = 0; c < 3; c++) skin[c]! += img.data[(y * img.width + x) * 3 + c] as number;
        n++;
      }
    for (let c = 0; c < 3; c++) skin[c] = n ? skin[c]! / n : 128;
    for (let y = Math.floor(cy - ay); y <= Math.ceil(cy + ay); y++) {
      if (y < 0 || y >= img.height || y > lid + 1.5) continue;
      for (let x = Math.floor(cx - ax); x <= Math.ceil(cx + ax); x++) {
        if (x < 0 || x >= img.width) continue;
        const r = Math.hypot((x - cx) / ax, (y - cy) / ay);
        const mask = 1 - smooth(0.75, 1, r);
        if (mask <= 0) continue;
        const i = (y * img.width + x) * 3;
        const edge = Math.abs(y - lid);
        // Shade toward the lid edge (the lid is curved), lashes on the edge once mostly shut.
        const shade = 1 - 0.12 * smooth(lidFrom, lid, y);
        const lash = closure > 0.5 && edge < 1.3 ? 0.45 : 1;
        const cover = y <= lid ? mask : mask * (1 - smooth(0, 1.5, y - lid));
        for (let c = 0; c < 3; c++) {
          const lidSkin = sample(img, x, Math.max(0, crease), c, skin[c]!);
          const colour = (0.55 * lidSkin + 0.45 * skin[c]!) * shade * lash;
          data[i + c] = clamp((1 - cover) * (img.data[i + c] as number) + cover * colour);
        }
      }
    }
  }
  return out;
}

/**
 * A head turned by `yawDeg` (positive: to the person's own right, the nose moves to the image's
 * left), plus a small in-plane shift (dx, dy) and scale: a 2.5-D warp. The face is a depth map
 * (a half-ellipsoid over the face box plus a nose bump at landmark 30, 0.35 eye distances high);
 * each point moves across the image by z x sin(yaw) and toward the centre by cos(yaw). Outside
 * the head the image stays (feathered). Unlike a homography of a flat photo, the nose moves
 * against the eyes and mouth, as on a head.
 */
export function turnHead(
  img: RgbImage,
  g: FaceGeometry,
  yawDeg: number,
  jitter: { dx: number; dy: number; scale: number },
  noise: number,
  r: Rand,
): RgbImage {
  const t = (yawDeg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const a = 0.62 * g.w;
  const b = 0.75 * g.h;
  const cx = g.cx;
  const cy = g.cy;
  const nose = g.points[30] as Point;
  const eyeDist = Math.hypot(
    ((g.points[42] as Point).x + (g.points[45] as Point).x - (g.points[36] as Point).x - (g.points[39] as Point).x) / 2,
    ((g.points[42] as Point).y + (g.points[45] as Point).y - (g.points[36] as Point).y - (g.points[39] as Point).y) / 2,
  );
  const zn = 0.35 * eyeDist;
  const sn = 0.3 * eyeDist;
  const depth = (x: number, y: number) => {
    const q = 1 - ((x - cx) / a) ** 2 - ((y - cy) / b) ** 2;
    const head = q > 0 ? 0.55 * a * Math.sqrt(q) : 0;
    return head + zn * Math.exp(-((x - nose.x) ** 2 + (y - nose.y) ** 2) / (2 * sn * sn));
  };
  const weight = (x: number, y: number) => 1 - smooth(0.95, 1.35, Math.hypot((x - cx) / a, (y - cy) / b));
  const data = new Uint8Array(img.data.length);
  for (let yo = 0; yo < img.height; yo++) {
    for (let xo = 0; xo < img.width; xo++) {
      // Undo the global jitter, then solve x' = x + w(x)((x - cx)(cos - 1) - z(x) sin) for x.
      const xs = cx + (xo - jitter.dx - cx) / jitter.scale;
      const ys = cy + (yo - jitter.dy - cy) / jitter.scale;
      let x = xs;
      if (yawDeg !== 0)
        for (let k = 0; k < 4; k++) {
          const w = weight(x, ys);
          x = xs - w * ((x - cx) * (cos - 1) - depth(x, ys) * sin);
        }
      const i = (yo * img.width + xo) * 3;
      const n = noise > 0 ? noise * gauss(r) : 0;
      for (let c = 0; c < 3; c++) data[i + c] = clamp(sample(img, x, ys, c, 0) + n);
    }
  }
  return { data, width: img.width, height: img.height };
}

/** The timeline of one genuine person in front of the camera after the prompt at `promptAt`. */
export interface Behaviour {
  /** Eyelid closure 0..1 at time t. */
  closure(t: number): number;
  /** Yaw in degrees at time t. */
  yaw(t: number): number;
}

/** A blink lasting d ms from `start`: closing 30 %, shut 20 %, opening 50 % (a real blink's shape). */
function blinkAt(t: number, start: number, d: number): number {
  const x = (t - start) / d;
  if (x <= 0 || x >= 1) return 0;
  if (x < 0.3) return smooth(0, 0.3, x);
  if (x < 0.5) return 1;
  return 1 - smooth(0.5, 1, x);
}

/**
 * The person asked to blink: first blink after a reaction time of 400-900 ms, lasting
 * 150-350 ms (measured blinks: 100-400 ms), then, with the prompt still shown, another every
 * 800-1300 ms. Asked to turn: after the reaction, out to 22-32 degrees in 350-600 ms, held
 * 100-300 ms, back in 400-650 ms, once. Spontaneous blinks before the prompt are left out.
 */
export function genuineBehaviour(kind: string, promptAt: number, r: Rand): Behaviour {
  const react = promptAt + uniform(r, 400, 900);
  if (kind === 'blink') {
    const blinks: [number, number][] = [];
    let t = react;
    for (let k = 0; k < 8; k++) {
      const d = uniform(r, 150, 350);
      blinks.push([t, d]);
      t += d + uniform(r, 800, 1300);
    }
    return {
      closure: (t) => Math.max(0, ...blinks.map(([s, d]) => blinkAt(t, s, d))),
      yaw: () => 0,
    };
  }
  const sign = kind === 'turn-right' ? 1 : -1;
  const peak = uniform(r, 22, 32);
  const out = uniform(r, 350, 600);
  const hold = uniform(r, 100, 300);
  const back = uniform(r, 400, 650);
  return {
    closure: () => 0,
    yaw: (t) => {
      const x = t - react;
      if (x <= 0) return 0;
      if (x < out) return sign * peak * smooth(0, out, x);
      if (x < out + hold) return sign * peak;
      if (x < out + hold + back) return sign * peak * (1 - smooth(out + hold, out + hold + back, x));
      return 0;
    },
  };
}

/** Natural sway of a person standing at the booth: a px or two, slowly. */
export function sway(r: Rand): (t: number) => { dx: number; dy: number; scale: number } {
  const px = uniform(r, 0, 2 * Math.PI);
  const py = uniform(r, 0, 2 * Math.PI);
  const fx = uniform(r, 0.2, 0.6);
  const fy = uniform(r, 0.2, 0.6);
  // Whole pixels: a sub-pixel resample blurs the frame a little, and the passive liveness model
  // reads blur as a print or a screen (a real camera frame is sharp, with sensor noise).
  return (t) => ({
    dx: Math.round(1.5 * Math.sin((2 * Math.PI * fx * t) / 1000 + px)),
    dy: Math.round(1.0 * Math.sin((2 * Math.PI * fy * t) / 1000 + py)),
    scale: 1,
  });
}

/** One genuine camera frame at time t. */
export function genuineFrame(
  base: RgbImage,
  g: FaceGeometry,
  b: Behaviour,
  move: ReturnType<typeof sway>,
  t: number,
  r: Rand,
) {
  const eyes = closeEyes(base, g.points, b.closure(t));
  return turnHead(eyes, g, b.yaw(t), move(t), 1, r);
}

/** A 3x3 homography applied as backward map: output (x, y) -> source (u, v). */
type H = [number, number, number, number, number, number, number, number, number];

function invert3(m: H): H {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/**
 * The homography of a flat sheet (the source image, size w x h, centred on its own centre) seen
 * by a pinhole camera (focal f) after rotating it by yaw (about the vertical axis), pitch and
 * roll, scaling by s and moving its centre to (tx, ty) in the output.
 */
function sheetHomography(
  w: number,
  h: number,
  p: { yaw: number; pitch: number; roll: number; s: number; tx: number; ty: number },
  f = 700,
): H {
  const [ya, pa, ra] = [p.yaw, p.pitch, p.roll].map((d) => (d * Math.PI) / 180) as [number, number, number];
  const Ry = [Math.cos(ya), 0, Math.sin(ya), 0, 1, 0, -Math.sin(ya), 0, Math.cos(ya)];
  const Rx = [1, 0, 0, 0, Math.cos(pa), -Math.sin(pa), 0, Math.sin(pa), Math.cos(pa)];
  const Rz = [Math.cos(ra), -Math.sin(ra), 0, Math.sin(ra), Math.cos(ra), 0, 0, 0, 1];
  const mul = (A: number[], B: number[]) =>
    [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, k) => s + A[i * 3 + k]! * B[k * 3 + j]!, 0)));
  const R = mul(Rz, mul(Rx, Ry));
  // Sheet point (X, Y, 0) in camera space: R (sX, sY, 0) + (0, 0, f); projected x = f X'/Z' + tx.
  const s = p.s;
  const cxs = w / 2;
  const cys = h / 2;
  // Columns of the map from (u, v, 1) of the source to homogeneous output coordinates.
  const col = (X: number, Y: number, Z: number) => [f * X + p.tx * Z, f * Y + p.ty * Z, Z];
  const c1 = col(R[0]! * s, R[3]! * s, R[6]! * s);
  const c2 = col(R[1]! * s, R[4]! * s, R[7]! * s);
  const c0 = col(0, 0, f);
  const t = [
    c0[0]! - c1[0]! * cxs - c2[0]! * cys,
    c0[1]! - c1[1]! * cxs - c2[1]! * cys,
    c0[2]! - c1[2]! * cxs - c2[2]! * cys,
  ];
  return [c1[0]!, c2[0]!, t[0]!, c1[1]!, c2[1]!, t[1]!, c1[2]!, c2[2]!, t[2]!];
}

/** A room behind the attacker's hand: a soft grey gradient with noise. */
export function room(width: number, height: number, r: Rand): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const tone = uniform(r, 90, 150);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = tone + 30 * (y / height) - 15 * (x / width);
      const i = (y * width + x) * 3;
      data[i] = clamp(v + 6);
      data[i + 1] = clamp(v);
      data[i + 2] = clamp(v - 8);
    }
  return { data, width, height };
}

export interface PrintPose {
  yaw: number;
  pitch: number;
  roll: number;
  s: number;
  tx: number;
  ty: number;
}

/**
 * A printed photo held in hand: the sheet (the photo with a white border, lower contrast, a
 * little desaturated, paper grain) placed by a homography into the room, with a glare spot.
 */
export function printFrame(
  photo: RgbImage,
  scene: RgbImage,
  pose: PrintPose,
  glare: { x: number; y: number; radius: number; strength: number },
  r: Rand,
): RgbImage {
  const border = Math.round(0.05 * photo.width);
  const W = photo.width + 2 * border;
  const Hh = photo.height + 2 * border;
  const inv = invert3(sheetHomography(W, Hh, pose));
  const data = new Uint8Array(scene.data.length);
  const { width, height } = scene;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const zw = inv[6] * x + inv[7] * y + inv[8];
      const u = (inv[0] * x + inv[1] * y + inv[2]) / zw;
      const v = (inv[3] * x + inv[4] * y + inv[5]) / zw;
      const inside = u >= 0 && v >= 0 && u <= W - 1 && v <= Hh - 1;
      if (!inside) {
        for (let c = 0; c < 3; c++) data[i + c] = scene.data[i + c] as number;
        continue;
      }
      const g = glare.strength * Math.exp(-((x - glare.x) ** 2 + (y - glare.y) ** 2) / (2 * glare.radius ** 2));
      const grain = 5 * gauss(r);
      const pu = u - border;
      const pv = v - border;
      const rgb = [0, 1, 2].map((c) => sample(photo, pu, pv, c, 245));
      const grey = (rgb[0]! + rgb[1]! + rgb[2]!) / 3;
      for (let c = 0; c < 3; c++) {
        const ink = 0.88 * rgb[c]! + 0.12 * grey; // print gamut: a little desaturated
        data[i + c] = clamp(0.82 * ink + 22 + grain + g);
      }
    }
  return { data, width, height };
}

/** The hand that holds a print: tremor of 2-10 px at 1-4 Hz, a slow drift, small zoom and tilts. */
export function hand(r: Rand): (t: number) => PrintPose {
  const amp = uniform(r, 2, 10);
  const f = uniform(r, 1, 4);
  const ph = uniform(r, 0, 2 * Math.PI);
  const drift = [uniform(r, -15, 15), uniform(r, -10, 10)] as const;
  const s0 = uniform(r, 0.62, 0.85);
  const tilt = [uniform(r, -20, 20), uniform(r, -15, 15), uniform(r, -6, 6)] as const;
  return (t) => {
    const k = t / 1000;
    return {
      yaw: tilt[0] + 4 * Math.sin(2 * Math.PI * 0.7 * k + ph),
      pitch: tilt[1] + 3 * Math.sin(2 * Math.PI * 0.5 * k + 2 * ph),
      roll: tilt[2] + 2 * Math.sin(2 * Math.PI * 0.9 * k),
      s: s0 * (1 + 0.04 * Math.sin(2 * Math.PI * 0.6 * k + ph)),
      tx: 320 + drift[0] * k + amp * Math.sin(2 * Math.PI * f * k + ph),
      ty: 240 + drift[1] * k + amp * Math.cos(2 * Math.PI * f * 1.3 * k + ph),
    };
  };
}

/** A frame as the camera would hand it over: JPEG, quality 85. */
export const toJpeg = (img: RgbImage): Promise<Buffer> =>
  sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();

export interface ReplayScreen {
  s: number;
  tx: number;
  ty: number;
  moire: number;
  band: number;
  bandSpeed: number;
  angle: number;
}

/** A screen in a 640x480 room: its scale and place, moiré and refresh-band strength, band speed, tilt. */
export function replayScreen(r: Rand): ReplayScreen {
  return {
    s: uniform(r, 0.6, 0.85),
    tx: uniform(r, 290, 350),
    ty: uniform(r, 220, 260),
    moire: uniform(r, 0.05, 0.14),
    band: uniform(r, 0.08, 0.2),
    bandSpeed: uniform(r, 150, 600),
    angle: uniform(r, -0.2, 0.2),
  };
}

/**
 * A screen replay: the frame of a genuine sequence shown on a monitor or tablet filmed by the
 * booth camera: scaled into a screen with a black bezel in the room, its own gamma and a bluish
 * white point, moiré (two pixel gratings at slightly different pitch and angle beat into coarse
 * fringes) and refresh banding (a darker band rolling down the picture).
 */
export function replayFrame(content: RgbImage, scene: RgbImage, screen: ReplayScreen, t: number): RgbImage {
  const { width, height } = scene;
  const data = Uint8Array.from(scene.data);
  const sw = content.width * screen.s;
  const sh = content.height * screen.s;
  const x0 = screen.tx - sw / 2;
  const y0 = screen.ty - sh / 2;
  const bezel = 10;
  const a1 = screen.angle;
  const a2 = screen.angle + 0.06;
  const bandPos = ((t * screen.bandSpeed) / 1000) % (sh + 80);
  for (let y = Math.max(0, Math.floor(y0 - bezel)); y < Math.min(height, Math.ceil(y0 + sh + bezel)); y++)
    for (let x = Math.max(0, Math.floor(x0 - bezel)); x < Math.min(width, Math.ceil(x0 + sw + bezel)); x++) {
      const i = (y * width + x) * 3;
      const u = (x - x0) / screen.s;
      const v = (y - y0) / screen.s;
      if (u < 0 || v < 0 || u > content.width - 1 || v > content.height - 1) {
        data[i] = data[i + 1] = data[i + 2] = 12;
        continue;
      }
      const g1 = Math.sin((2 * Math.PI * (x * Math.cos(a1) + y * Math.sin(a1))) / 3.1);
      const g2 = Math.sin((2 * Math.PI * (x * Math.cos(a2) + y * Math.sin(a2))) / 3.35);
      const moire = 1 + screen.moire * g1 * g2;
      const dy = y - y0 - bandPos + 40;
      const band = 1 - screen.band * Math.exp(-(dy * dy) / (2 * 18 * 18));
      const white = [0.93, 0.98, 1.06];
      for (let c = 0; c < 3; c++) {
        const lin = 255 * Math.pow(sample(content, u, v, c, 0) / 255, 1.15);
        data[i + c] = clamp((14 + 0.9 * lin) * white[c]! * moire * band);
      }
    }
  return { data, width, height };
}
