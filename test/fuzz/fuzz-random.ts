/**
 * Deterministic randomness for the fuzz suites: a fixed default seed (so CI runs the same
 * cases every time), overridable with HANGAR_FUZZ_SEED=<integer>, and printed with any failure
 * so it can be replayed.
 */

/** The default seed of every fuzz suite. */
export const defaultFuzzSeed = 0x5eed;

/** The seed to use: HANGAR_FUZZ_SEED when set (decimal or 0x hex), the default otherwise. */
export function fuzzSeed(): number {
  const text = process.env.HANGAR_FUZZ_SEED;
  if (text === undefined || text === '') return defaultFuzzSeed;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`HANGAR_FUZZ_SEED must be an integer, got ${JSON.stringify(text)}`);
  return seed >>> 0;
}

/** A small deterministic PRNG (mulberry32) returning numbers in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `body`; a failure is rethrown with the seed and the last position `body` reported
 * through `where`, so the case can be replayed with HANGAR_FUZZ_SEED.
 */
export async function withSeed(seed: number, label: string, body: (where: (position: string) => void) => Promise<void>): Promise<void> {
  let position = 'start';
  try {
    await body((next) => (position = next));
  } catch (error) {
    const message = `${label} failed at ${position} with seed ${seed} (replay: HANGAR_FUZZ_SEED=${seed}): ${error instanceof Error ? error.message : String(error)}`;
    console.error(message);
    throw new Error(message, { cause: error });
  }
}
