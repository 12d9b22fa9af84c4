/**
 * Turns what QEMU printed before it exited into a short reason a person can act on. QEMU starts
 * each error with its program name and often echoes the whole option that failed
 * (`qemu-system-x86_64: -drive if=none,id=drive-hd0,file=…,werror=stop: Failed to get "write"
 * lock`); the option is ours, and its full text is in the engine log with the command line, so
 * the reason keeps only the option's id and QEMU's explanation.
 */

/** Longest reason kept, in characters (a crash reason is a sentence, not a log). */
const maxReasonLength = 600;
/** Lines kept from QEMU's output. */
const maxLines = 3;

/** `-drive if=none,id=drive-hd0,…` → `-drive drive-hd0`; an option without an id → just its flag. */
function shortOption(flag: string, value: string): string {
  const id = /(?:^|,)id=([^,]+)/.exec(value)?.[1];
  return id === undefined ? flag : `${flag} ${id}`;
}

/**
 * The reason in QEMU's `output` (its stdout and stderr). `args` is the command line it was
 * started with (to recognise echoed options); `from` says whether the explanation is at the
 * start (a failed launch: the first error stops QEMU) or at the end (a crash while running).
 */
export function qemuExitReason(output: string, args: readonly string[], from: 'start' | 'end' = 'start'): string {
  const echoed = new Map<string, string>();
  for (let index = 0; index + 1 < args.length; index++) {
    const flag = args[index] as string;
    if (flag.startsWith('-')) echoed.set(`${flag} ${args[index + 1] as string}: `, `${shortOption(flag, args[index + 1] as string)}: `);
  }
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      let text = line.replace(/^qemu-system-[\w-]+: /, '');
      for (const [option, short] of echoed) {
        if (text.startsWith(option)) {
          text = short + text.slice(option.length);
          break;
        }
      }
      return text;
    });
  const kept = from === 'start' ? lines.slice(0, maxLines) : lines.slice(-maxLines);
  // QEMU's lines are sentences without a full stop ("Failed to get "write" lock").
  const reason = kept.map((line, index) => (index < kept.length - 1 && !/[.?!:]$/.test(line) ? `${line}.` : line)).join(' ');
  return reason.length > maxReasonLength ? `${reason.slice(0, maxReasonLength - 1)}…` : reason;
}
