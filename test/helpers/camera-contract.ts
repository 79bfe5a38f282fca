import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Camera, CameraFrame } from '../../device/core/ports.js';

/**
 * The Camera contract (device/core/ports.ts), run against every adapter: fswebcam (over a fake),
 * the folder simulator, and the streaming adapter over a video file (real ffmpeg) and over a
 * V4L2 device (a fake ffmpeg).
 */
export function cameraContract(
  name: string,
  make: () => Promise<Camera>,
  size: { width: number; height: number },
): void {
  describe(`Camera contract: ${name}`, () => {
    it('grabs a complete JPEG of the configured size', async () => {
      const camera = await make();
      await camera.start();
      try {
        const frame = await camera.grab({ timeoutMs: 5000 });
        expect(frame.jpeg[0]).toBe(0xff);
        expect(frame.jpeg[1]).toBe(0xd8);
        const meta = await sharp(frame.jpeg).metadata();
        expect(meta.format).toBe('jpeg');
        expect([meta.width, meta.height]).toEqual([size.width, size.height]);
        expect([frame.width, frame.height]).toEqual([size.width, size.height]);
        expect(typeof frame.at).toBe('number');
      } finally {
        await camera.stop();
      }
    });

    it('refuses to grab after stop, and stop is idempotent', async () => {
      const camera = await make();
      await camera.start();
      await camera.stop();
      await camera.stop();
      await expect(camera.grab()).rejects.toMatchObject({ code: 'BOOTH_ERR_CAMERA_FAILED' });
    });

    it('a streaming camera hands out the newest frame, never the same one twice', async () => {
      const camera = await make();
      if (!camera.onFrame) return; // one picture per grab: nothing to stream
      const seen: CameraFrame[] = [];
      const off = camera.onFrame((f) => seen.push(f));
      await camera.start();
      try {
        const first = await camera.grab({ timeoutMs: 5000 });
        await new Promise((r) => setTimeout(r, 400)); // a slow consumer
        const second = await camera.grab({ timeoutMs: 5000 });
        expect(second.at).toBeGreaterThan(first.at);
        expect(second.jpeg).toBe(seen.at(-1)?.jpeg);
        const third = await camera.grab({ timeoutMs: 5000 });
        expect(third.at).toBeGreaterThan(second.at);
      } finally {
        off();
        await camera.stop();
      }
    });

    it('reports what it is', async () => {
      const camera = await make();
      expect(['real', 'sim']).toContain(camera.info.kind);
      expect(camera.info.adapter.length).toBeGreaterThan(0);
    });
  });
}
