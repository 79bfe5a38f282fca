import { readFile } from 'node:fs/promises';
import { EXIT } from './command.js';
import { parseWith, UsageError } from './config-args.js';
import { engineFromConfig, faceCommonOptions, round, write } from './face-shared.js';

/** `booth face check IMAGE`: quality reasons, liveness score, pose and eye state of one image. */
export async function faceCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseWith(argv, faceCommonOptions, true);
  const [image, ...extra] = positionals;
  if (!image || extra.length > 0) throw new UsageError('expected exactly one IMAGE');
  const bytes = await readFile(image);
  const started = await engineFromConfig(values);
  if ('exit' in started) return started.exit;
  const { engine } = started;
  try {
    const a = await engine.analyse(bytes, 'live', image);
    const f = a.face;
    const out = {
      image,
      width: a.width,
      height: a.height,
      faces: a.faces.length,
      usable: a.reasons.length === 0,
      reasons: a.reasons,
      liveness: round(f?.liveness),
      pose: f?.pose ? { yaw: round(f.pose.yaw, 1), pitch: round(f.pose.pitch, 1), roll: round(f.pose.roll, 1) } : null,
      eyes: f?.eyes ? { left: round(f.eyes.left, 3), right: round(f.eyes.right, 3), open: f.eyes.open } : null,
      eyeDistance: round(f?.eyeDistance, 1),
      sharpness: round(f?.sharpness, 1),
      brightness: round(f?.brightness, 1),
      ms: round(a.timings.total, 1),
    };
    if (values.json) write(JSON.stringify(out));
    else {
      write(`${image}: ${out.width}x${out.height}, ${out.faces} face(s)`);
      write(`quality    ${out.usable ? 'ok' : out.reasons.join(', ')}`);
      write(`liveness   ${out.liveness ?? 'n/a'} (probability real, this frame)`);
      write(
        `pose       ${out.pose ? `yaw ${out.pose.yaw}, pitch ${out.pose.pitch}, roll ${out.pose.roll} deg` : 'n/a'}`,
      );
      write(
        `eyes       ${out.eyes ? `${out.eyes.open ? 'open' : 'closed'} (left ${out.eyes.left}, right ${out.eyes.right})` : 'n/a'}`,
      );
      write(
        `eye dist.  ${out.eyeDistance ?? 'n/a'} px, sharpness ${out.sharpness ?? 'n/a'}, brightness ${out.brightness ?? 'n/a'}`,
      );
    }
    return EXIT.ok;
  } finally {
    await engine.stop();
  }
}
