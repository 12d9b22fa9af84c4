/** Polling with a deadline, for tests that wait on real guests and processes. */

/**
 * Calls `probe` every 100 ms until it returns something other than undefined, and returns that;
 * throws naming `what` after `timeoutMs`.
 */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `promise`'s value, or `fallback` when it takes over `timeoutMs`. The timer is cleared either
 * way: a forgotten one would hold the test file open (the leak check fails it).
 */
export async function within<T, F>(promise: Promise<T>, timeoutMs: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`'s value, or a rejection naming `what` when it has not settled within `timeoutMs`. */
export async function settled<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}
