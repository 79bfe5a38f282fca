/**
 * Plain data shapes shared by the face engine's modules. Everything here is serialisable so a
 * result can cross into events, the kiosk and the CLI's --json output unchanged.
 */

export interface Point {
  x: number;
  y: number;
}

/** Axis-aligned box in pixels of the decoded (upright) image: x1,y1 top-left, x2,y2 bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * A decoded image held in memory only: interleaved 8-bit RGB, row-major, upright (EXIF
 * orientation applied). Never written to disk (privacy rule: raw frames stay in memory).
 */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** One detector hit after non-maximum suppression, mapped back to image pixels. */
export interface Detection {
  box: Box;
  score: number;
}

/** The five points of the ArcFace recipe: eye centres, nose tip, mouth corners (image left first). */
export type FivePoints = readonly [Point, Point, Point, Point, Point];

export interface HeadPose {
  /** Degrees; positive when the person turns to their own right (the nose moves to the image's left). */
  yaw: number;
  /** Degrees; positive when the head tilts up. */
  pitch: number;
  /** Degrees; in-plane rotation. */
  roll: number;
}

export interface EyeState {
  /** Probability that the eye on the image's left is open. */
  left: number;
  /** Probability that the eye on the image's right is open. */
  right: number;
  open: boolean;
}
