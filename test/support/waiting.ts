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
