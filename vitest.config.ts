import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'protocol/**/*.test.ts',
      'central/**/*.test.ts',
      'device/**/*.test.ts',
      'provisioning/**/*.test.ts',
      'flows/**/*.test.ts',
    ],
    // Native addons (onnxruntime, sharp, serialport) and Node-RED (one per process) need forks.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts', 'test/pg-setup.ts'],
  },
});
