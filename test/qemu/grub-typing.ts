/**
 * Typing GRUB commands robustly on a loaded machine: QEMU's PS/2 queue holds only a few keys,
 * so a guest starved of CPU can drop keystrokes. Each command is typed, checked on the screen,
 * retyped (after Ctrl+U clears the line) if a key was lost, then entered.
 */
import { poll } from './recording-host.js';

type Call = (name: string, args?: Record<string, unknown>) => Promise<Record<string, unknown>>;

async function promptLine(call: Call): Promise<string> {
  const lines = (await call('query-screen-text')).lines as string[];
  return [...lines].reverse().find((line) => line.includes('grub>')) ?? '';
}

/** Types `command` at the GRUB prompt and presses Enter (unless `enter` is false); throws when it cannot be typed intact. */
export async function grubCommand(call: Call, command: string, enter = true): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await call('input-type-text', { text: command, 'delay-ms': 20 });
    const typed = await poll(async () => ((await promptLine(call)).endsWith(`grub> ${command}`) ? true : undefined), 10_000);
    if (typed) {
      if (enter) await call('send-key', { keys: [{ type: 'qcode', data: 'ret' }] });
      return;
    }
    await call('send-key', { keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'u' }] });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`could not type "${command}" at the GRUB prompt; prompt line: ${JSON.stringify(await promptLine(call))}`);
}
