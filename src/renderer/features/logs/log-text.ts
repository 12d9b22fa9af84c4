/**
 * Reading a machine's log text for the Logs view: lines split into timestamp, source and message,
 * which lines match a search, which line records the last crash, and which lines are trouble
 * (errors worth a colour). Pure, so the view stays a view.
 */

/** Who wrote a line: main (`[hangar]`), the engine (`[engine]`, QEMU's output), or the guest (serial log). */
export type LogSource = 'hangar' | 'engine' | 'other';

/** One line of a log. */
export interface LogLine {
  /** The ISO timestamp main wrote at the line's start ('' when the line has none). */
  readonly stamp: string;
  readonly source: LogSource;
  /** The line without its timestamp. */
  readonly message: string;
}

const stamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/;
/** Terminal escape sequences (colours, cursor queries) a guest writes to its serial port. */
// eslint-disable-next-line no-control-regex
const terminalEscapes = /\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** A line as a person reads it: terminal escapes dropped, other control characters shown as '·'. */
export function readableLine(text: string): string {
  return text.replace(terminalEscapes, '').replace(controlCharacters, '·');
}

/** Splits log text into lines (a final newline does not make an empty last line). */
export function parseLog(text: string): LogLine[] {
  if (text === '') return [];
  const raw = text.endsWith('\n') ? text.slice(0, -1) : text;
  return raw.split('\n').map((line) => {
    const match = stamped.exec(line);
    const stamp = match?.[1] ?? '';
    const message = readableLine(match?.[2] ?? line);
    const source: LogSource = message.startsWith('[hangar] ') ? 'hangar' : message.startsWith('[engine] ') ? 'engine' : 'other';
    return { stamp, source, message };
  });
}

/** Indexes of the lines whose text contains `query`, ignoring case ('' matches nothing). */
export function matchingLines(lines: readonly LogLine[], query: string): number[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return [];
  const found: number[] = [];
  lines.forEach((line, index) => {
    if (`${line.stamp} ${line.message}`.toLowerCase().includes(needle)) found.push(index);
  });
  return found;
}

/**
 * The line that records the last crash: main's exit line of a crashed run, else the last
 * `state: crashed` line (a run whose exit line is not written yet); undefined when none.
 */
export function crashLineIndex(lines: readonly LogLine[]): number | undefined {
  const last = (pattern: RegExp): number | undefined => {
    for (let index = lines.length - 1; index >= 0; index--) if (pattern.test(lines[index]?.message ?? '')) return index;
    return undefined;
  };
  const exit = last(/^\[hangar\] engine exited \([^)]*\); crashed: /);
  const state = last(/^\[hangar\] state: crashed\b/);
  return exit !== undefined && (state === undefined || exit > state) ? exit : state;
}

/** How many lines before a crash line are shown as its context (the run's last words). */
export const crashContextLines = 25;

/** Whether a line reports trouble: refused commands, engine errors, I/O errors, QEMU's stderr, crashes. */
export function isTrouble(line: LogLine): boolean {
  return /protocol error:|ENGINE_ERROR|BLOCK_IO_ERROR|NETWORK_FORWARD_FAILED|qemu stderr:|state: crashed|; crashed: |\[engine\] failed:|\bfault(ed)?\b/i.test(line.message);
}
