/**
 * The grub-rescue guest's boot menu as a visible, restorable state for tests on a real core:
 * the menu's first entry is selected after a fresh boot, the second after one Down key, so a
 * snapshot taken with the second entry selected is seen to load when the selection jumps back.
 *
 * API:
 *   grubCdrom                                  // the Debian grub-rescue ISO
 *   await screenText(core, machine)             // the text screen ('' when it cannot be read)
 *   await waitForScreen(core, machine, text, what, timeoutMs?)
 *   await selectEntry(core, machine, 'first' | 'second')   // moves the selection and waits for it
 *   menuEntry.first / menuEntry.second          // the selected entries' text on screen
 */
import type { HangarCore } from '../../src/main/core/hangar-core.js';
import { until } from './waiting.js';

/** The Debian grub-rescue CD image the fault and app tests boot. */
export const grubCdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

/** How each menu entry looks when it is selected. */
export const menuEntry = { first: '*GNU/Linux', second: '*GNU (aka GNU/Hurd)' } as const;

/** The machine's text screen, or '' when it cannot be read (not running, graphics mode). */
export async function screenText(core: HangarCore, machine: string): Promise<string> {
  return (await readScreen(core, machine)).text;
}

/** The text screen, or why it could not be read. */
async function readScreen(core: HangarCore, machine: string): Promise<{ text: string; error?: string }> {
  const result = await core.call('vm.execute', { id: machine, command: 'query-screen-text' });
  return result.ok ? { text: (result.value as { lines: string[] }).lines.join('\n') } : { text: '', error: `${result.error.class}: ${result.error.desc}` };
}

/** Waits until the screen shows `text`; fails naming `what` and showing the last screen (or why it could not be read). */
export async function waitForScreen(core: HangarCore, machine: string, text: string, what: string, timeoutMs = 60_000): Promise<void> {
  let last: { text: string; error?: string } = { text: '' };
  try {
    await until(async () => {
      last = await readScreen(core, machine);
      return last.text.includes(text) ? true : undefined;
    }, what, timeoutMs);
  } catch (error) {
    const shown = last.error !== undefined ? `query-screen-text failed: ${last.error}` : `the screen showed:\n${last.text.trim() || '(nothing)'}`;
    throw new Error(`${(error as Error).message}; ${shown}`);
  }
}

/** Selects the menu's first or second entry (from either) and waits until the screen shows it. */
export async function selectEntry(core: HangarCore, machine: string, entry: 'first' | 'second', timeoutMs = 30_000): Promise<void> {
  if ((await screenText(core, machine)).includes(menuEntry[entry])) return;
  const result = await core.call('vm.send-keys', { id: machine, keys: [entry === 'first' ? 'up' : 'down'] });
  if (!result.ok) throw new Error(`vm.send-keys: ${JSON.stringify(result)}`);
  await waitForScreen(core, machine, menuEntry[entry], `the ${entry} menu entry to be selected`, timeoutMs);
}
