/**
 * The web shell's log of refused input: one line per refused request, upgrade or frame, so a
 * user can see why a page or script was turned away — but rate-limited, because the input is
 * chosen by whoever connects and a flood of it (a fuzzer, a hostile page) must not fill a disk
 * or a terminal. Lines beyond the burst are counted and summed up in one line when the window ends.
 */

/** Options for `createRefusalLog`. */
export interface RefusalLogOptions {
  /** Where a finished line goes (without a newline). */
  write: (line: string) => void;
  /** Lines written per window before the rest are only counted (default 20). */
  burst?: number;
  /** Length of one window in ms (default 60 s). */
  windowMs?: number;
}

/** A rate-limited line log. */
export interface RefusalLog {
  /** Logs one line, or counts it when this window's burst is used up. */
  log(line: string): void;
  /** Writes the pending "N more suppressed" line now and stops the window timer. */
  flush(): void;
}

/** Creates a rate-limited log around `options.write`. */
export function createRefusalLog(options: RefusalLogOptions): RefusalLog {
  const burst = options.burst ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  let written = 0;
  let suppressed = 0;
  let windowTimer: NodeJS.Timeout | undefined;
  const endWindow = (): void => {
    clearTimeout(windowTimer);
    windowTimer = undefined;
    if (suppressed > 0) options.write(`${suppressed} more refused input${suppressed === 1 ? '' : 's'} not logged (more than ${burst} in ${Math.round(windowMs / 1000)} s).`);
    written = 0;
    suppressed = 0;
  };
  return {
    log(line) {
      if (!windowTimer) {
        windowTimer = setTimeout(endWindow, windowMs);
        // A pending summary must never keep the process alive.
        windowTimer.unref();
      }
      if (written < burst) {
        written++;
        options.write(line);
      } else suppressed++;
    },
    flush: endWindow,
  };
}

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Client-chosen text made safe for a log line: quoted, cut to `maxLength` characters, control
 * and bidi characters escaped (a request path must not forge a second line or reorder this one).
 */
export function quoteForLog(text: string, maxLength = 120): string {
  const escaped = text
    .slice(0, maxLength)
    .replace(/["\\]/g, '\\$&')
    .replace(unsafeCharacters, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"${text.length > maxLength ? `…(${text.length} characters)` : ''}`;
}
