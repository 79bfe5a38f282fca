import type { BoothRoutes } from './http/booth-server.js';
import type { CentralContext } from './context.js';
import { enrollmentFeature } from './inventory/feature.js';
import { channelFeature } from './publish/channel.js';
import { collectFeature } from './collect/feature.js';

/**
 * A part of the running central service: routes on the booth-facing listener and, optionally,
 * something that runs in the background (the pull scheduler). Construction does no I/O.
 */
export interface CentralFeature {
  name: string;
  boothRoutes?: BoothRoutes;
  start?(ctx: CentralContext): Promise<void>;
  stop?(): Promise<void>;
}

/** Every feature of `booth-central start`, in start order. A new one is one line here. */
export function centralFeatures(): CentralFeature[] {
  return [enrollmentFeature(), channelFeature(), collectFeature()];
}
