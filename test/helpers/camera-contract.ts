import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Camera } from '../../device/core/ports.js';

/**
 * The Camera contract (device/core/ports.ts), run against the real adapter (over a fake
 * fswebcam) and the simulator alike.
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

    it('reports what it is', async () => {
      const camera = await make();
      expect(['real', 'sim']).toContain(camera.info.kind);
      expect(camera.info.adapter.length).toBeGreaterThan(0);
    });
  });
}
