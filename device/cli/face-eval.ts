import { EXIT } from './command.js';
import { parseWith, UsageError } from './config-args.js';
import { engineFromConfig, faceCommonOptions, round, write } from './face-shared.js';
import { runPairs } from '../face/pairs-run.js';
import { VARIANTS, type Variant } from '../face/variants.js';

/**
 * `booth face eval --pairs FILE.csv --images DIR [--variant original|frame640|idcard]`:
 * accuracy at the configured threshold, the best threshold, the margin and images without a face.
 */
export async function faceEval(argv: string[]): Promise<number> {
  const { values } = parseWith(argv, {
    ...faceCommonOptions,
    pairs: { type: 'string' },
    images: { type: 'string' },
    variant: { type: 'string', default: 'original' },
  });
  if (!values.pairs || !values.images) throw new UsageError('--pairs FILE.csv and --images DIR are required');
  const variant = values.variant as Variant;
  if (!VARIANTS.includes(variant)) throw new UsageError(`--variant: expected one of ${VARIANTS.join(', ')}`);
  const started = await engineFromConfig(values);
  if ('exit' in started) return started.exit;
  const { engine } = started;
  try {
    const run = await runPairs(engine, values.pairs, values.images, variant);
    const s = run.summary;
    const wrong = run.scored
      .filter((p) => p.score === null || p.score > s.threshold !== p.same)
      .map((p) => ({ x: p.x, y: p.y, same: p.same, score: round(p.score) }));
    const same = run.scored.filter((p) => p.same);
    const sameAccepted = same.filter((p) => p.score !== null && p.score > s.threshold).length;
    const different = run.scored.length - same.length;
    const differentRejected = run.scored.filter((p) => !p.same && (p.score === null || p.score <= s.threshold)).length;
    if (values.json) {
      write(
        JSON.stringify({
          variant,
          pairs: s.pairs,
          correct: s.correct,
          accuracy: round(s.accuracy),
          threshold: s.threshold,
          bestThreshold: round(s.bestThreshold),
          bestAccuracy: round(s.bestAccuracy),
          margin: round(s.margin),
          lowestSame: round(s.lowestSame),
          highestDifferent: round(s.highestDifferent),
          samePairs: same.length,
          sameAccepted,
          differentPairs: different,
          differentRejected,
          noFace: run.noFace,
          wrong,
          model: engine.version,
        }),
      );
    } else {
      write(`variant            ${variant}`);
      write(`pairs              ${s.pairs}`);
      write(`correct            ${s.correct} (${(100 * s.accuracy).toFixed(1)}%) at threshold ${s.threshold}`);
      write(
        `same person        ${sameAccepted}/${same.length} accepted; different ${differentRejected}/${different} rejected`,
      );
      write(`best threshold     ${s.bestThreshold.toFixed(4)}: ${(100 * s.bestAccuracy).toFixed(1)}%`);
      write(
        `margin             ${s.margin.toFixed(4)} (lowest same-person ${s.lowestSame.toFixed(4)}, highest different-person ${s.highestDifferent.toFixed(4)})`,
      );
      write(
        `no usable face     ${run.noFace.length ? run.noFace.map((n) => `${n.image} (${n.reason})`).join(', ') : 'none'}`,
      );
      for (const w of wrong)
        write(`wrong              ${w.x} ${w.y} ${w.same ? 'same' : 'different'} score ${w.score ?? 'n/a'}`);
    }
    return EXIT.ok;
  } finally {
    await engine.stop();
  }
}
