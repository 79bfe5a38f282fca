/**
 * Exponential backoff with jitter: the n-th consecutive failure waits between half and all of
 * base * 2^(n-1), capped at max ("equal jitter": never hammering, never synchronised across a
 * fleet of booths that lost the network together). `random` is injectable for tests.
 */
export function backoffDelay(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
