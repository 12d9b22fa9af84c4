/**
 * Callers waiting for one thing to happen (a reset, a drained channel), each for at most its own
 * time: a wait never outlives its timeout, and its timer is cleared however it ends.
 */

/** One wait: `done` resolves when released, timed out or cancelled. */
export interface Wait {
  readonly done: Promise<void>;
  /** Ends the wait now (e.g. the request it waited on failed). */
  cancel(): void;
}

/** The waits for one kind of happening. */
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Waits for the next `release()`, or `timeoutMs` at most. */
  wait(timeoutMs: number): Wait {
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), timeoutMs);
      finish = () => {
        clearTimeout(timer);
        this.pending.delete(finish);
        resolve();
      };
      this.pending.add(finish);
    });
    return { done, cancel: () => finish() };
  }

  /** Ends every wait begun so far. */
  release(): void {
    for (const finish of [...this.pending]) finish();
  }

  /** How many waits are open. */
  get size(): number {
    return this.pending.size;
  }
}
