import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BoothError, isBoothError } from '../../protocol/errors.js';
import type { FaceEngine } from './engine.js';
import { parsePairsCsv, summarisePairs, type PairSummary, type ScoredPair } from './evaluate.js';
import { cosine } from './match.js';
import type { Template } from './template.js';
import { frame640, idCardPhoto, type Variant } from './variants.js';

/**
 * Runs a pairs evaluation with a started engine: every image once (cached by name), in the
 * chosen variant. 'original': both photos enrolled as references. 'frame640': file_x enrolled
 * from its 640x480 letterboxed version, file_y analysed as a live 640x480 camera frame.
 * 'idcard': file_x as an ID-card-sized reference (102x126), file_y as a live 640x480 frame,
 * the booth's hardest realistic case.
 */

export interface PairsRun {
  summary: PairSummary;
  scored: ScoredPair[];
  /** Images in which no usable face was found (or that did not decode), with the reason. */
  noFace: { image: string; reason: string }[];
}

export async function runPairs(
  engine: FaceEngine,
  pairsFile: string,
  imagesDir: string,
  variant: Variant,
): Promise<PairsRun> {
  const pairs = parsePairsCsv(await readFile(pairsFile, 'utf8'), pairsFile);
  const noFace = new Map<string, string>();
  const cache = new Map<string, Promise<Template | null>>();
  const template = (name: string, role: 'x' | 'y'): Promise<Template | null> => {
    const kind: Kind = variant === 'original' ? 'original' : role === 'y' ? 'probe640' : variant;
    const key = `${kind}:${name}`;
    let p = cache.get(key);
    if (!p) {
      p = makeTemplate(engine, join(imagesDir, name), kind).catch((err: unknown) => {
        noFace.set(name, isBoothError(err) ? err.code : String(err));
        return null;
      });
      cache.set(key, p);
    }
    return p;
  };
  const scored: ScoredPair[] = [];
  // Sequential on purpose: the engine's sessions already use the CPU's cores.
  for (const pair of pairs) {
    const a = await template(pair.x, 'x');
    const b = await template(pair.y, 'y');
    scored.push({ ...pair, score: a && b ? cosine(engine.embedding(a), engine.embedding(b)) : null });
  }
  return {
    summary: summarisePairs(scored, engine.settings.match.threshold),
    scored,
    noFace: [...noFace].map(([image, reason]) => ({ image, reason })),
  };
}

/** How one side of a pair is made: references are enrolled, the frame640/idcard probe is a live frame. */
type Kind = 'original' | 'frame640' | 'idcard' | 'probe640';

async function makeTemplate(engine: FaceEngine, file: string, kind: Kind): Promise<Template> {
  const bytes = await readFile(file);
  if (kind === 'original') return engine.enrol(bytes, file);
  if (kind === 'frame640') return engine.enrol(await frame640(bytes), file);
  if (kind === 'probe640') {
    // The probe side as the booth sees it: a live camera frame, one feature run.
    const live = await engine.analyse(await frame640(bytes), 'live', file);
    if (!live.template) throw new BoothError('BOOTH_ERR_FACE_NOT_FOUND', `${file}: no face in the 640x480 frame`);
    return live.template;
  }
  const found = await engine.analyse(bytes, 'reference', file);
  if (!found.face) return engine.enrol(bytes, file); // throws BOOTH_ERR_FACE_NOT_FOUND
  const id = await idCardPhoto(bytes, found.face.box, { width: found.width, height: found.height });
  return engine.enrol(id, `${file} (ID-card size)`);
}
