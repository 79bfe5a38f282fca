import type { CentralFeature } from '../features.js';
import type { CentralContext } from '../context.js';
import { pushRoutes } from './push-routes.js';
import { Collector } from './scheduler.js';

/**
 * Collecting inside `booth-central start`: the push API on the booth-facing listener and, when
 * config collect.pull is on, the pull scheduler in the background.
 */
export function collectFeature(o: { tickMs?: number; random?: () => number } = {}): CentralFeature & {
  collector: Collector | null;
} {
  let collector: Collector | null = null;
  return {
    name: 'collect',
    boothRoutes: pushRoutes,
    get collector() {
      return collector;
    },
    async start(ctx: CentralContext) {
      if (!ctx.config.collect.pull) return;
      collector = new Collector(ctx, o);
      collector.start();
    },
    async stop() {
      await collector?.stop();
      collector = null;
    },
  };
}
