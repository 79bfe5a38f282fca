import { describe, expect, it } from 'vitest';
import { fitCentred, placement, signatureLayout } from '../../../device/documents/stamp.js';
import { formatStampTime } from '../../../device/documents/options.js';
import { decodeTextBytes, dictName, dictString, pdfDateToIso } from '../../../protocol/pdf/pdf-strings.js';

describe('fitCentred', () => {
  it('keeps the aspect ratio and centres a wide image in a tall box', () => {
    const box = fitCentred(400, 100, { x: 10, y: 20, width: 100, height: 100 });
    expect(box).toEqual({ x: 10, y: 57.5, width: 100, height: 25 });
  });

  it('keeps the aspect ratio and centres a tall image in a wide box', () => {
    const box = fitCentred(100, 200, { x: 0, y: 0, width: 300, height: 100 });
    expect(box.width / box.height).toBeCloseTo(0.5);
    expect(box.height).toBe(100);
    expect(box.x + box.width / 2).toBeCloseTo(150);
  });
});

describe('signatureLayout', () => {
  it('splits a place into code strip and image; a dissent adds a mark strip on top', () => {
    const place = { x: 0, y: 0, width: 150, height: 50 };
    const plain = signatureLayout(place, false);
    expect(plain.mark).toBeNull();
    expect(plain.code.height + plain.image.height).toBeCloseTo(50);
    const dissent = signatureLayout(place, true);
    expect(dissent.mark).not.toBeNull();
    expect(dissent.code.height + dissent.image.height + (dissent.mark?.height ?? 0)).toBeCloseTo(50);
    expect(dissent.mark?.y).toBeCloseTo(dissent.image.y + dissent.image.height);
  });
});

describe('formatStampTime', () => {
  it('writes the local date-time of the booth time zone', () => {
    expect(formatStampTime(new Date('2026-11-26T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-11-27 00:30');
    expect(formatStampTime(new Date('2026-11-26T16:30:00Z'), 'UTC')).toBe('2026-11-26 16:30');
  });
});

describe('pdf strings', () => {
  it('reads literal, escaped, hex and UTF-16BE strings', () => {
    const dict =
      "/Reason (a \\(b\\) c\\101) /Name <FEFF5F204F1F> /M (D:20261126103000+08'00') /SubFilter /ETSI.CAdES.detached";
    expect(dictString(dict, 'Reason')).toBe('a (b) cA');
    expect(dictString(dict, 'Name')).toBe('张伟');
    expect(dictName(dict, 'SubFilter')).toBe('ETSI.CAdES.detached');
    expect(pdfDateToIso(dictString(dict, 'M') ?? '')).toBe('2026-11-26T02:30:00.000Z');
    expect(dictString(dict, 'Location')).toBeUndefined();
    expect(decodeTextBytes(Buffer.from('caf\xe9', 'latin1'))).toBe('café');
  });
});

describe('placement on rotated pages', () => {
  const place = { x: 100, y: 200, width: 150, height: 50 };
  const apply = (m: number[], px: number, py: number) => [
    m[0]! * px + m[2]! * py + m[4]!,
    m[1]! * px + m[3]! * py + m[5]!,
  ];

  it.each([0, 90, 180, 270, -90, 450])('maps the art box exactly onto the place for /Rotate %i', (rotation) => {
    const at = placement(place, rotation);
    const corners = [
      apply(at.matrix, 0, 0),
      apply(at.matrix, at.width, 0),
      apply(at.matrix, 0, at.height),
      apply(at.matrix, at.width, at.height),
    ];
    const xs = corners.map((c) => c[0]!);
    const ys = corners.map((c) => c[1]!);
    expect([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]).toEqual([100, 200, 250, 250]);
  });

  it('turns the art against the page rotation so it reads upright', () => {
    // /Rotate 90 shows the page turned clockwise: the art's baseline (+x) must run up the page (+y).
    const at = placement(place, 90);
    expect(at).toMatchObject({ width: 50, height: 150 });
    const [x0, y0] = apply(at.matrix, 0, 0);
    const [x1, y1] = apply(at.matrix, 10, 0);
    expect([x1! - x0!, y1! - y0!]).toEqual([0, 10]);
  });
});
