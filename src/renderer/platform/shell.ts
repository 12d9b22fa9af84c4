/**
 * What differs between shells beyond the API: opening a VM window and the host clipboard. In
 * Electron the preload bridge (`window.hangar`) does it; in a browser, a popup window on the
 * `#/vm/<id>` route and `navigator.clipboard`.
 */
import type { HangarBridge } from '../../shared/bridge.js';

declare global {
  interface Window {
    /** The Electron preload bridge; absent in a browser. */
    hangar?: HangarBridge;
  }
}

/** The hash route of a machine's window. */
export function vmRoute(id: string): string {
  return `#/vm/${encodeURIComponent(id)}`;
}

/** The machine id of a `#/vm/<id>` route, or undefined for the manager. */
export function routeMachineId(hash: string): string | undefined {
  const match = /^#\/vm\/([^/?#]+)/u.exec(hash);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** Opens (or focuses) the window of a machine. Returns an error text when the browser refused. */
export async function openVmWindow(id: string): Promise<string | undefined> {
  if (window.hangar) {
    const result = await window.hangar.openVmWindow(id);
    return result.ok ? undefined : result.error.desc;
  }
  const url = `${window.location.pathname}${window.location.search}${vmRoute(id)}`;
  const opened = window.open(url, `hangar-vm-${id}`, 'popup,width=1024,height=820');
  return opened ? undefined : 'The browser blocked the machine window: allow pop-ups for this page.';
}

/** The host clipboard's text. */
export async function readHostClipboard(): Promise<string> {
  if (window.hangar) {
    const result = await window.hangar.readClipboardText();
    if (!result.ok) throw new Error(result.error.desc);
    return result.value;
  }
  return navigator.clipboard.readText();
}

/** Puts text on the host clipboard. */
export async function writeHostClipboard(text: string): Promise<void> {
  if (window.hangar) {
    const result = await window.hangar.writeClipboardText(text);
    if (!result.ok) throw new Error(result.error.desc);
    return;
  }
  await navigator.clipboard.writeText(text);
}

/** Whether the shell has a native file chooser that gives paths (Electron). */
export function hasFileChooser(): boolean {
  return window.hangar !== undefined;
}

/** Asks for a media file with the native dialog; null when cancelled. Throws when the shell has none. */
export async function chooseMediaFile(kind: 'cdrom' | 'floppy' | 'disk' | 'any'): Promise<string | null> {
  if (!window.hangar) throw new Error('This shell has no file chooser; type the path instead.');
  const result = await window.hangar.chooseMediaFile(kind);
  if (!result.ok) throw new Error(result.error.desc);
  return result.value;
}
