/**
 * Process environment the booth runs with: systemd/booth.service sets it with Environment=,
 * `npm start` on its command line, and bench/face.ts gives it to the processes it measures.
 * A test keeps the three in step (test/unit/systemd/environment.test.ts).
 *
 * MALLOC_ARENA_MAX=2: glibc gives every thread that allocates an arena of its own and keeps
 * what it frees there. The face engine's inference worker and ONNX Runtime's threads then held
 * ~20 MB more resident memory than with two shared arenas, at no measured cost in speed
 * (docs/face.md).
 *
 * NODE_OPTIONS=--max-semi-space-size=4: V8's young generation at 4 MB semi-spaces instead of
 * 16: the booth's RSS after one visit fell from 340 to 319 MB (317 to 296 without Node-RED)
 * with the same visit time and face speed (docs/tuning.md).
 *
 * Both must be set before the process starts, so they cannot live in config.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=4',
});
