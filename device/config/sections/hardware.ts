import { Type } from '@sinclair/typebox';

/** real: use the device or fail; sim: always the simulator; auto: real when present, else sim (logged). */
export const HardwareMode = Type.Union([Type.Literal('real'), Type.Literal('sim'), Type.Literal('auto')], {
  description: 'real | sim | auto',
  default: 'auto',
});

export const CameraConfig = Type.Object(
  {
    mode: HardwareMode,
    device: Type.String({ default: '/dev/video0', description: 'V4L2 device of the camera' }),
    width: Type.Integer({ minimum: 160, maximum: 4096, default: 640 }),
    height: Type.Integer({ minimum: 120, maximum: 4096, default: 480 }),
    timeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 5000,
      description: 'a grab slower than this is killed',
    }),
    skipFrames: Type.Integer({
      minimum: 0,
      maximum: 30,
      default: 2,
      description: 'frames fswebcam drops while exposure settles',
    }),
    driver: Type.Union(
      [Type.Literal('auto'), Type.Literal('ffmpeg'), Type.Literal('rpicam'), Type.Literal('fswebcam')],
      {
        default: 'auto',
        description:
          'ffmpeg: one long-running ffmpeg streams MJPEG from the V4L2 device (USB webcams); rpicam: rpicam-vid streams a Pi camera; fswebcam: one process per frame (fallback); auto: a USB (UVC) webcam at device, else a Pi camera rpicam-vid lists, else ffmpeg when installed, else fswebcam',
      },
    ),
    fps: Type.Integer({ minimum: 1, maximum: 60, default: 15, description: 'frame rate asked of a streaming camera' }),
    rpicamCamera: Type.Integer({ minimum: 0, maximum: 7, default: 0, description: 'camera index for rpicam-vid' }),
    ffmpegPath: Type.String({ default: 'ffmpeg' }),
    rpicamPath: Type.String({ default: 'rpicam-vid' }),
    maxFrameBytes: Type.Integer({
      minimum: 65_536,
      maximum: 33_554_432,
      default: 4_194_304,
      description: 'a streamed JPEG frame larger than this is dropped',
    }),
    restartInitialMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 250,
      description: 'wait before restarting a capture process that exited (doubles each time)',
    }),
    restartMaxMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    fswebcamPath: Type.String({ default: 'fswebcam' }),
    jpegQuality: Type.Integer({ minimum: 10, maximum: 100, default: 90 }),
    title: Type.String({
      maxLength: 200,
      default: '',
      description: 'banner title stamped by fswebcam; empty = no banner. Passed as one argument, never through a shell',
    }),
    simFolder: Type.String({
      default: '',
      description: 'folder (or sequence file listing images) the simulated camera plays; empty = built-in demo frames',
    }),
    simVideo: Type.String({
      default: '',
      description:
        'video file the simulated camera streams in a loop at its own frame rate (needs ffmpeg); empty = simFolder',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const TabletConfig = Type.Object(
  {
    mode: HardwareMode,
    path: Type.String({ default: '/dev/ttyUSB0', description: 'serial device; prefer a /dev/serial/by-id path' }),
    baudRate: Type.Integer({ minimum: 1200, maximum: 921_600, default: 38_400 }),
    reopenInitialMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 250 }),
    reopenMaxMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    simFile: Type.String({ default: '', description: 'byte file the simulated tablet replays; empty = built-in demo' }),
  },
  { additionalProperties: false, default: {} },
);

const pin = (defaultLine: number) =>
  Type.Integer({ minimum: 0, maximum: 1023, default: defaultLine, description: 'BCM line offset on the GPIO chip' });

export const LedsConfig = Type.Object(
  {
    mode: HardwareMode,
    pins: Type.Object(
      {
        red: pin(17),
        green: pin(27),
        amber: pin(22),
      },
      { additionalProperties: false, default: {} },
    ),
    activeLow: Type.Boolean({ default: false }),
    chipLabel: Type.String({
      default: '',
      description: 'label of the GPIO chip (e.g. pinctrl-bcm2711); empty = the main SoC chip found in sysfs',
    }),
    blinkMs: Type.Integer({ minimum: 50, maximum: 5000, default: 400 }),
  },
  { additionalProperties: false, default: {} },
);

export const HardwareConfig = Type.Object(
  { camera: CameraConfig, tablet: TabletConfig, leds: LedsConfig },
  { additionalProperties: false, default: {} },
);
