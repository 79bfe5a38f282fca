import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';

/**
 * Frames made from photos and video files must look like a camera's: the picture fills the
 * frame. A camera asked for 640x480 from a sensor of another shape crops its field of view; it
 * never adds black bars. The passive liveness model reads black bars inside its crop (2.7x the
 * face box) as the edge of a print or a screen: with bars, 5 of the 25 dataset photos (the
 * portraits) scored 0.00-0.29 "real" on every frame, and 2 of 16 real videos (a portrait
 * phone video, a 16:9 one); with the frame filled, all of them scored 0.99-1.00
 * (docs/face.md "Frames without bars", decisions D34).
 */

/**
 * ffmpeg filter for a video file of unknown size (the probe failed): scaled to cover the frame,
 * the middle kept, as a sensor crop would.
 */
export function coverFilter(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
}

/**
 * A photo as a camera frame: fitted whole (a photo's face may sit near its edge, and a crop
 * would cut it), the rest of the frame filled by repeating the photo's edge pixels, never black.
 */
export async function fillFrame(input: Buffer, width: number, height: number): Promise<Sharp> {
  const { data, info } = await sharp(input, { failOn: 'truncated' })
    .rotate()
    .resize(width, height, { fit: 'inside' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const left = Math.floor((width - info.width) / 2);
  const top = Math.floor((height - info.height) / 2);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extend({
    left,
    right: width - info.width - left,
    top,
    bottom: height - info.height - top,
    extendWith: 'copy',
  });
}

/** A video's own frame size, as it is shown (a rotation tag of +-90 deg swaps the sides). */
export interface FrameSize {
  width: number;
  height: number;
}

/**
 * ffmpeg filter for a video file of a known size: fitted whole and the rest filled by
 * repeating its edge pixels (`fillborders` smear), as fillFrame does for photos. Sizes and
 * offsets are even, as 4:2:0 chroma needs.
 */
export function fillFilter(source: FrameSize, width: number, height: number): string {
  const k = Math.min(width / source.width, height / source.height);
  const even = (x: number) => Math.max(2, 2 * Math.floor(x / 2));
  const w = Math.min(width, even(source.width * k));
  const h = Math.min(height, even(source.height * k));
  const left = 2 * Math.floor((width - w) / 4);
  const top = 2 * Math.floor((height - h) / 4);
  const right = width - w - left;
  const bottom = height - h - top;
  if (left + right + top + bottom === 0) return `scale=${width}:${height}`;
  return (
    `scale=${w}:${h},pad=${width}:${height}:${left}:${top},` +
    `fillborders=left=${left}:right=${right}:top=${top}:bottom=${bottom}:mode=smear`
  );
}

/** The frame size of a video file by ffprobe, or null when it cannot say. */
export async function probeFrameSize(path: string, ffprobePath = 'ffprobe'): Promise<FrameSize | null> {
  try {
    const { stdout } = await run(ffprobePath, [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:stream_side_data=rotation'],
      ...['-of', 'json', path],
    ]);
    const s = (JSON.parse(stdout) as { streams?: ProbedStream[] }).streams?.[0];
    if (!s?.width || !s.height) return null;
    const turned = Math.abs(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0) % 180 === 90;
    return turned ? { width: s.height, height: s.width } : { width: s.width, height: s.height };
  } catch {
    return null;
  }
}

interface ProbedStream {
  width?: number;
  height?: number;
  side_data_list?: { rotation?: number }[];
}

const run = promisify(execFile);
