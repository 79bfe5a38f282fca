import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBoothError } from '../../../protocol/errors.js';
import { EventBus } from '../../../device/core/events.js';
import { FaceEngine } from '../../../device/face/engine.js';
import { frame640, idCardPhoto } from '../../../device/face/variants.js';
import { defaultSettings, FACES } from './helpers.js';

const read = (name: string) => readFile(resolve(FACES, name));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('face engine on real images', () => {
  const bus = new EventBus();
  const checked: unknown[] = [];
  let engine: FaceEngine;
  beforeAll(async () => {
    bus.on('test', 'face.checked', (e) => checked.push(e));
    engine = new FaceEngine({ settings: defaultSettings(), bus });
    await engine.start();
  });
  afterAll(() => engine.stop());

  it('analyses a 640x480 frame: one face, usable, with liveness, eyes, pose and a template', async () => {
    const a = await engine.analyse(await frame640(await read('img20.jpg')), 'live');
    expect(a.width).toBe(640);
    expect(a.faces).toHaveLength(1);
    expect(a.reasons).toEqual([]);
    expect(a.face?.eyes?.open).toBe(true);
    expect(Math.abs(a.face?.pose?.yaw ?? 99)).toBeLessThan(15);
    expect(a.face?.liveness).toBeGreaterThan(0.5);
    expect(a.face?.eyeDistance).toBeGreaterThan(40);
    expect(a.template?.model.sha256).toBe(engine.version.sha256);
  });

  it('applies EXIF orientation: a rotated JPEG tagged to display upright gives the same face', async () => {
    const upright = await frame640(await read('img20.jpg'));
    // Stored rotated by 90 degrees, tagged orientation 8 (display rotated back by 270 = upright).
    const stored = await sharp(upright).rotate(90).withMetadata({ orientation: 8 }).jpeg().toBuffer();
    const a = await engine.analyse(upright, 'live');
    const b = await engine.analyse(stored, 'live');
    expect(b.width).toBe(640);
    expect(b.height).toBe(480);
    expect(engine.similarity(a.template, b.template)).toBeGreaterThan(0.9);
  });

  it('reports several faces on a live frame but takes the best face from a reference photo', async () => {
    const couple = await frame640(await read('couple.jpg'));
    const live = await engine.analyse(couple, 'live');
    expect(live.faces.length).toBeGreaterThanOrEqual(2);
    expect(live.reasons).toContain('several_faces');
    const reference = await engine.analyse(couple, 'reference');
    expect(reference.reasons).not.toContain('several_faces');
    expect(reference.template).not.toBeNull();
  });

  it.each<[string, (jpeg: Buffer) => Promise<Buffer>, string]>([
    ['dark', (j) => sharp(j).modulate({ brightness: 0.2 }).jpeg().toBuffer(), 'too_dark'],
    ['blurred', (j) => sharp(j).blur(3).jpeg().toBuffer(), 'blurred'],
    [
      'far away',
      (j) =>
        sharp(j)
          .resize(200, 150)
          .extend({ top: 165, bottom: 165, left: 220, right: 220, background: '#777' })
          .jpeg()
          .toBuffer(),
      'face_too_small',
    ],
    ['overexposed', (j) => sharp(j).linear(2.2, 60).jpeg().toBuffer(), 'too_bright'],
    [
      'cut by the left edge',
      (j) =>
        sharp(j)
          .extract({ left: 260, top: 0, width: 380, height: 480 })
          .extend({ right: 260, background: '#777' })
          .jpeg()
          .toBuffer(),
      'face_cut',
    ],
  ])('gives a reason code for a %s face', async (_name, spoil, reason) => {
    const frame = await frame640(await read('img20.jpg'));
    const a = await engine.analyse(await spoil(frame), 'live');
    expect(a.reasons).toContain(reason);
  });

  it('reports no_face on an empty scene', async () => {
    const empty = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8899aa' } })
      .jpeg()
      .toBuffer();
    const a = await engine.analyse(empty, 'live');
    expect(a).toMatchObject({ faces: [], chosen: -1, face: null, reasons: ['no_face'], template: null });
  });

  it('enrols an ID-card-sized photo and matches the same person in a 640x480 frame, 1:1 and 1:N', async () => {
    const photo = await read('img20.jpg');
    const found = await engine.analyse(photo, 'reference');
    const id = await idCardPhoto(photo, found.face!.box, { width: found.width, height: found.height });
    expect((await sharp(id).metadata()).width).toBe(102);
    const reference = await engine.enrol(id, 'id card');
    const probe = (await engine.analyse(await frame640(await read('img21.jpg')), 'live')).template!;
    expect(engine.match1to1(probe, reference).match).toBe(true);
    const gallery = [
      { identity: 'expert-a', template: reference },
      { identity: 'expert-b', template: await engine.enrol(await read('img8.jpg')) },
      { identity: 'expert-c', template: await engine.enrol(await read('img13.jpg')) },
    ];
    const d = engine.match1toN(probe, gallery);
    expect(d).toMatchObject({ kind: 'match', identity: 'expert-a' });
    const stranger = (await engine.analyse(await frame640(await read('img16.jpg')), 'live')).template!;
    expect(engine.match1toN(stranger, gallery.slice(1))).toMatchObject({ kind: 'unknown', reason: 'below_threshold' });
  });

  it('refuses a template of another model version and re-enrols from the photo', async () => {
    const photo = await read('img12.jpg');
    const current = await engine.enrol(photo);
    const old = { ...current, model: { ...current.model, sha256: '0'.repeat(64) } };
    const err = await rejection(Promise.resolve().then(() => engine.match1to1(current, old)));
    expect(isBoothError(err, 'BOOTH_ERR_FACE_TEMPLATE_VERSION')).toBe(true);
    const again = await engine.enrol(photo);
    expect(engine.match1to1(current, again).score).toBeGreaterThan(0.99);
  });

  it('emits only counts and reason codes, never pixels or templates', () => {
    expect(checked.length).toBeGreaterThan(0);
    for (const e of checked) {
      expect(Object.keys(e as object).sort()).toEqual(['faces', 'liveness', 'ms', 'purpose', 'reasons']);
    }
  });
});

describe('face engine on bad input', () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = new FaceEngine({ settings: defaultSettings() });
    await engine.start();
  });
  afterAll(() => engine.stop());

  /** A small JPEG whose header claims 10000 x 6000 pixels (a decompression bomb). */
  async function claims60Megapixels(): Promise<Buffer> {
    const jpeg = Buffer.from(
      await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } })
        .jpeg()
        .toBuffer(),
    );
    for (let i = 2; i < jpeg.length - 9; i++) {
      if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) {
        jpeg.writeUInt16BE(6000, i + 5);
        jpeg.writeUInt16BE(10000, i + 7);
        return jpeg;
      }
    }
    throw new Error('no SOF0 marker');
  }

  it.each<[string, () => Promise<Buffer>, RegExp]>([
    ['zero bytes', async () => Buffer.alloc(0), /0 bytes/],
    ['a text file', async () => Buffer.from('name,score\nli,0.9\n'), /JPEG, PNG or WebP/],
    ['a truncated JPEG', async () => (await read('img12.jpg')).subarray(0, 6000), /complete, decodable jpeg/],
    [
      'a corrupt JPEG',
      async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4000, 0x5a)]),
      /complete, decodable jpeg/,
    ],
    ['a 60-megapixel image', claims60Megapixels, /at most 32000000 pixels/],
  ])('refuses %s with BOOTH_ERR_FACE_BAD_IMAGE and stays usable', async (_name, make, message) => {
    const rssBefore = process.memoryUsage().rss;
    const err = await rejection(engine.analyse(await make(), 'live', 'upload'));
    expect(isBoothError(err, 'BOOTH_ERR_FACE_BAD_IMAGE')).toBe(true);
    expect((err as Error).message).toMatch(/^upload: expected /);
    expect((err as Error).message).toMatch(message);
    // Refused before decoding: memory did not grow by an image's worth (60 MP RGB = 180 MB).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 2 ** 20);
    const ok = await engine.analyse(await frame640(await read('img12.jpg')), 'live');
    expect(ok.faces.length).toBe(1);
  });

  it('refuses enrolment of a photo without a face', async () => {
    const empty = await sharp({ create: { width: 102, height: 126, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    const err = await rejection(engine.enrol(empty, 'roster photo'));
    expect(isBoothError(err, 'BOOTH_ERR_FACE_NOT_FOUND')).toBe(true);
  });

  it('refuses to analyse before start()', async () => {
    const cold = new FaceEngine({ settings: defaultSettings() });
    expect(isBoothError(await rejection(cold.analyse(await read('img12.jpg'))), 'BOOTH_ERR_NOT_READY')).toBe(true);
  });
});
