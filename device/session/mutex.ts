/**
 * One-at-a-time execution: each run starts when the previous one has settled, in call order.
 * The session lifecycle (installs, unlocks, revocations, key rotations, closes, and the commit of
 * a sign record) goes through one of these, so memory and disk change in one order only.
 * Not re-entrant: a run that waits for another run of the same mutex never starts.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private depth = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.depth++;
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => void this.depth--,
      () => void this.depth--,
    );
    return result;
  }

  /** Runs queued or running (for status and tests). */
  get pending(): number {
    return this.depth;
  }
}
