/**
 * Exponential backoff with equal jitter, per booth: the n-th consecutive failure waits between
 * half and all of base * 2^(n-1), capped at max. A fleet that lost the network together does
 * not come back in step. (The booth's push loop does the same; central/ does not import device/.)
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
