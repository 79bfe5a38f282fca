import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@cantoo/fontkit';
import { BoothError } from '../../protocol/errors.js';

/**
 * The CJK font for names on stamps: Noto Sans SC Regular (SIL Open Font License 1.1), a full
 * static TrueType font shipped by the npm package @expo-google-fonts/noto-sans-sc, so it installs
 * with the project and covers every GB 18030 ideograph a name may use. TrueType (glyf) rather than
 * CFF because fontkit's subsetter writes valid glyf subsets; only the glyphs drawn are embedded.
 * The 10 MB file is read once per process.
 */
const require = createRequire(import.meta.url);
export const STAMP_FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc';
const STAMP_FONT_FILE = `${STAMP_FONT_PACKAGE}/400Regular/NotoSansSC_400Regular.ttf`;

let cached: Promise<Uint8Array> | undefined;

export function stampFontPath(): string {
  return require.resolve(STAMP_FONT_FILE);
}

export function loadStampFont(): Promise<Uint8Array> {
  cached ??= readFile(stampFontPath()).catch((err: unknown) => {
    cached = undefined;
    throw new BoothError(
      'BOOTH_ERR_NOT_READY',
      `stamp font: expected ${STAMP_FONT_FILE} to be installed (${(err as Error).message})`,
    );
  });
  return cached;
}

interface GlyphFont {
  hasGlyphForCodePoint(codePoint: number): boolean;
}
let parsed: Promise<GlyphFont> | undefined;

/** Refuses text the stamp font cannot draw (it would print as empty boxes on a legal document). */
export async function checkRenderable(text: string, what: string): Promise<void> {
  parsed ??= loadStampFont().then((bytes) => fontkit.create(Buffer.from(bytes)) as unknown as GlyphFont);
  const font = await parsed;
  const missing = [...text].filter((ch) => !/\s/.test(ch) && !font.hasGlyphForCodePoint(ch.codePointAt(0) ?? 0));
  if (missing.length > 0)
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `${what}: the stamp font has no glyph for ${missing.join(' ')}`, {
      missing,
    });
}
