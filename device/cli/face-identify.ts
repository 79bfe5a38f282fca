import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { EXIT } from './command.js';
import { parseWith, UsageError } from './config-args.js';
import { engineFromConfig, faceCommonOptions, round, write } from './face-shared.js';
import { toBoothError } from '../../protocol/errors.js';
import type { FaceEngine, GalleryEntry } from '../face/engine.js';

const IMAGE = /\.(jpe?g|png|webp)$/i;

/**
 * `booth face identify --gallery DIR --probe PATH`: enrols every `<identity>.<ext>` in DIR and
 * matches each probe (a file, or every image in a folder) 1:N with threshold and margin.
 */
export async function faceIdentify(argv: string[]): Promise<number> {
  const { values } = parseWith(argv, {
    ...faceCommonOptions,
    gallery: { type: 'string' },
    probe: { type: 'string' },
    margin: { type: 'string' },
  });
  if (!values.gallery || !values.probe) throw new UsageError('--gallery DIR and --probe PATH are required');
  const probes = await listProbes(values.probe);
  const galleryFiles = (await readdir(values.gallery)).filter((f) => IMAGE.test(f)).sort();
  if (galleryFiles.length === 0) throw new UsageError(`--gallery ${values.gallery}: no .jpg, .png or .webp images`);
  const started = await engineFromConfig(values);
  if ('exit' in started) return started.exit;
  const { engine } = started;
  try {
    const gallery = await enrolGallery(engine, values.gallery, galleryFiles);
    for (const probe of probes) {
      const result = await identifyOne(engine, probe, gallery);
      if (values.json) write(JSON.stringify(result));
      else
        write(
          `${result.probe}: ${result.identity} (best ${result.score ?? 'n/a'}${result.best ? ` ${result.best}` : ''}, second ${result.second ?? 'n/a'}${result.secondIdentity ? ` ${result.secondIdentity}` : ''})${result.reasons.length ? ` quality: ${result.reasons.join(', ')}` : ''}${result.error ? ` error: ${result.error}` : ''}`,
        );
    }
    return EXIT.ok;
  } finally {
    await engine.stop();
  }
}

async function listProbes(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  return (await readdir(path))
    .filter((f) => IMAGE.test(f))
    .sort()
    .map((f) => join(path, f));
}

async function enrolGallery(engine: FaceEngine, dir: string, files: string[]): Promise<GalleryEntry[]> {
  const gallery: GalleryEntry[] = [];
  for (const f of files) {
    try {
      gallery.push({
        identity: basename(f, extname(f)),
        template: await engine.enrol(await readFile(join(dir, f)), f),
      });
    } catch (err) {
      process.stderr.write(`gallery ${f}: skipped (${toBoothError(err).message})\n`);
    }
  }
  return gallery;
}

interface ProbeResult {
  probe: string;
  identity: string;
  score: number | null;
  best: string | null;
  second: number | null;
  secondIdentity: string | null;
  decision: string;
  reasons: string[];
  liveness: number | null;
  error?: string;
}

async function identifyOne(engine: FaceEngine, probe: string, gallery: GalleryEntry[]): Promise<ProbeResult> {
  const empty = { probe, identity: 'unknown', score: null, best: null, second: null, secondIdentity: null };
  try {
    const a = await engine.analyse(await readFile(probe), 'live', probe);
    if (!a.template) return { ...empty, decision: 'no_face', reasons: a.reasons, liveness: null };
    const d = engine.match1toN(a.template, gallery);
    return {
      probe,
      identity: d.kind === 'match' ? d.identity : 'unknown',
      score: round(d.best?.score),
      best: d.best?.identity ?? null,
      second: round(d.second?.score),
      secondIdentity: d.second?.identity ?? null,
      decision: d.kind === 'match' ? 'match' : d.reason,
      reasons: a.reasons,
      liveness: round(a.face?.liveness),
    };
  } catch (err) {
    const e = toBoothError(err);
    return { ...empty, decision: 'error', reasons: [], liveness: null, error: `${e.code}: ${e.message}` };
  }
}
