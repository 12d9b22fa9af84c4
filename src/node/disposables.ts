/**
 * Owned resources (issue 13, item 3): whatever holds a process, socket, timer, watcher or
 * database handle is created by an owner and disposed by it. `Owner` is that owner's ledger, a
 * small DisposableStack (Node 20 has `Symbol.dispose`/`Symbol.asyncDispose` but no
 * DisposableStack): each resource's cleanup is added when the resource is made, and `dispose()`
 * runs them all in reverse order, once. It is AsyncDisposable, so `await using owner = new
 * Owner()` works in TypeScript (tsx and tsc lower `using`).
 *
 * Rules it enforces so callers need not: every cleanup runs even when an earlier one throws
 * (their errors are thrown together afterwards); a resource handed to an owner that is already
 * disposed is cleaned up at once (a late async step cannot leak); a resource that ends on its
 * own can be released from the ledger (`defer` returns the release function), so a long-lived
 * owner does not collect finished timers.
 */

/** One cleanup step: closes, clears or kills one resource. */
export type Cleanup = () => void | PromiseLike<void>;

/** A resource an owner can take: Disposable, AsyncDisposable, or anything with `close()`. */
export type Ownable = Disposable | AsyncDisposable | { close(): unknown };

/** Several cleanups failed; `errors` holds each one's error, in the order they ran. */
export class DisposeError extends AggregateError {
  constructor(errors: unknown[]) {
    super(errors, `${errors.length} cleanup step${errors.length === 1 ? '' : 's'} failed: ${errors.map(describe).join('; ')}`);
    this.name = 'DisposeError';
  }
}

/** The owner of a set of resources; disposing it disposes each of them, last made first. */
export class Owner implements AsyncDisposable {
  /** Insertion-ordered, so disposal can walk it backwards; a Set so a release is O(1). */
  private readonly cleanups = new Set<Cleanup>();
  private disposing: Promise<void> | undefined;

  /** True once `dispose()` has been called (cleanups may still be running). */
  get disposed(): boolean {
    return this.disposing !== undefined;
  }

  /**
   * Adds a cleanup; returns a function that removes it again without running it (for a
   * resource that ended on its own). On a disposed owner the cleanup runs at once.
   */
  defer(cleanup: Cleanup): () => void {
    if (this.disposing) {
      void runLate(cleanup);
      return () => undefined;
    }
    this.cleanups.add(cleanup);
    return () => void this.cleanups.delete(cleanup);
  }

  /** Takes `resource` (disposed with Symbol.asyncDispose, Symbol.dispose or close()) and returns it. */
  use<T extends Ownable>(resource: T): T {
    this.defer(() => disposeOf(resource));
    return resource;
  }

  /** A timer this owner clears on dispose; it leaves the ledger when it has fired. */
  setTimeout(callback: () => void, ms: number): NodeJS.Timeout {
    let release = (): void => undefined;
    const timer = setTimeout(() => {
      release();
      callback();
    }, ms);
    release = this.defer(() => clearTimeout(timer));
    return timer;
  }

  /** An interval this owner clears on dispose. */
  setInterval(callback: () => void, ms: number): NodeJS.Timeout {
    const timer = setInterval(callback, ms);
    this.defer(() => clearInterval(timer));
    return timer;
  }

  /**
   * Runs every cleanup, last added first, each once; resolves when all are done, or rejects with
   * a DisposeError listing every one that failed. Later calls return the same promise.
   */
  dispose(): Promise<void> {
    this.disposing ??= this.runAll();
    return this.disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  private async runAll(): Promise<void> {
    const steps = [...this.cleanups].reverse();
    this.cleanups.clear();
    const errors: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new DisposeError(errors);
  }
}

/** Disposes one resource by the first protocol it speaks. */
export async function disposeOf(resource: Ownable): Promise<void> {
  if (Symbol.asyncDispose in resource) await resource[Symbol.asyncDispose]();
  else if (Symbol.dispose in resource) resource[Symbol.dispose]();
  else await resource.close();
}

/** A cleanup handed to a disposed owner: nobody awaits it, so a failure is reported, not lost. */
async function runLate(cleanup: Cleanup): Promise<void> {
  try {
    await cleanup();
  } catch (error) {
    process.emitWarning(`A resource created after its owner was disposed could not be cleaned up: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
