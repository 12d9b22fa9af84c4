/**
 * Size and nesting limits for JSON received on any channel (engine QMP socket, control socket,
 * parent channel, web API and display sockets). `JSON.parse` itself copes with deep nesting, but
 * everything after it that walks the value recursively (echoing an `id` with `JSON.stringify`,
 * building an error message, schema validation) overflows the stack on a value nested ~100k
 * levels deep, so such input is refused before it is parsed — as QEMU refuses it. Pure: no I/O.
 */

/**
 * Deepest nesting of arrays and objects accepted, as in QEMU's JSON parser (`MAX_NESTING`,
 * 1024), whose error text "JSON nesting depth limit exceeded" is reused here.
 */
export const maxJsonNesting = 1024;

/** Why a JSON text was refused. */
export type JsonRefusal = 'size' | 'nesting' | 'syntax';

/** The outcome of `parseJsonWithLimits`. */
export type LimitedJson = { ok: true; value: unknown } | { ok: false; refusal: JsonRefusal; error: string };

/** Limits for one channel. */
export interface JsonLimits {
  /** Largest message accepted, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Deepest nesting accepted (default `maxJsonNesting`). */
  readonly maxNesting?: number;
}

/** The UTF-8 length of `text`, counted without allocating (lone surrogates count as 3 bytes, as encoders replace them). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The deepest nesting of `[`/`{` in a JSON text, ignoring brackets inside strings. Stops
 * counting once `stopAbove` is exceeded (the caller only needs to know that it was).
 */
export function jsonNestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return deepest;
}

/** The message for a value nested too deeply (QEMU's wording). */
export function nestingError(maxNesting = maxJsonNesting): string {
  return `JSON nesting depth limit exceeded (more than ${maxNesting} levels)`;
}

/** The message for a value that is too large. */
export function sizeError(maxBytes: number): string {
  return `JSON message exceeds ${maxBytes} bytes`;
}

/** Parses one complete JSON text, refusing it when it is larger or deeper than `limits` allow. */
export function parseJsonWithLimits(text: string, limits: JsonLimits): LimitedJson {
  const maxNesting = limits.maxNesting ?? maxJsonNesting;
  // Characters never outnumber bytes, and a character is at most 3 bytes: count only when it matters.
  if (text.length > limits.maxBytes || (text.length * 3 > limits.maxBytes && utf8Length(text) > limits.maxBytes)) {
    return { ok: false, refusal: 'size', error: sizeError(limits.maxBytes) };
  }
  if (jsonNestingDepth(text, maxNesting) > maxNesting) return { ok: false, refusal: 'nesting', error: nestingError(maxNesting) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, refusal: 'syntax', error: `JSON parse error, ${(error as Error).message}` };
  }
}

/**
 * Whether an already-parsed value (for example one that arrived by structured clone over a
 * parent channel) is nested deeper than `maxNesting`. Iterative, so a hostile value cannot
 * overflow the stack here; stops at the first too-deep branch.
 */
export function valueNestingExceeds(value: unknown, maxNesting = maxJsonNesting): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof current !== 'object' || current === null || ArrayBuffer.isView(current) || current instanceof ArrayBuffer) continue;
    if (depth + 1 > maxNesting) return true;
    // A structured clone may be cyclic or huge: bound the walk (such a value is refused too).
    if (++visited > 1_000_000) return true;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
