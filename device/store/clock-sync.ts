import { existsSync } from 'node:fs';

/**
 * Whether the wall clock is synchronised (records carry it: booths can start without network
 * time). systemd-timesyncd creates this flag file once it has synchronised; the path can be
 * redirected with BOOTH_TIMESYNC_FLAG for tests and other time daemons.
 */
export function timesyncFlagPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOOTH_TIMESYNC_FLAG ?? '/run/systemd/timesync/synchronized';
}

export function clockSyncedByFlag(path = timesyncFlagPath()): () => boolean {
  return () => existsSync(path);
}
