/** Whether the network indicator's lights blink: an engine's frame counter moved between two looks. */

/** Whether a counter moved between two polls (unknown counters never blink; a restarted engine counts from zero). */
export function counterMoved(before: number | undefined, after: number | undefined): boolean {
  return before !== undefined && after !== undefined && after > before;
}
